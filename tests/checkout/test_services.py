"""Buying during a show, through the services: cart, checkout, flash deals, platforms, expiry,
payment outcomes, snapshots and the messages viewers get."""

from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import Product, Variant
from checkout.cart import cart_add, cart_set_quantity
from checkout.errors import CheckoutError, SignInRequired, SoldOut
from checkout.models import Cart, CartLine, Order, OrderLine, PaymentEvent, Reservation
from checkout.orders import checkout_start, order_cancel
from checkout.payment_outcomes import pay_in_test_mode, payment_event_apply
from checkout.payments import get_provider
from checkout.release import orders_release_expired
from checkout.shoppers import Shopper
from events import services as show_services
from events.models import LiveEvent, Platform, ShowProduct
from events.purchase_rules import PlatformNotAllowed, ShowClosed

Status = Order.Status
HELD, SOLD, RELEASED = Reservation.State


def world() -> dict:
    """Everything buying can change, to prove that refused input changed nothing."""
    return {
        "carts": list(Cart.objects.values_list("pk", "event_id", "user_id", "session_key")),
        "lines": list(CartLine.objects.values_list("pk", "variant_id", "quantity")),
        "orders": list(Order.objects.values_list("pk", "status", "total")),
        "reservations": list(Reservation.objects.values_list("pk", "state", "quantity")),
        "stock": list(Variant.objects.values_list("pk", "stock_on_hand", "reserved")),
        "payment_events": PaymentEvent.objects.count(),
    }


def cart_of(event, shopper) -> list[tuple[int, int]]:
    return list(
        CartLine.objects.filter(shopper.owns("cart__"), cart__event=event).values_list(
            "variant_id", "quantity"
        )
    )


def stock(variant) -> tuple[int, int]:
    """(stock on hand, reserved)."""
    variant.refresh_from_db()
    return variant.stock_on_hand, variant.reserved


def fresh(event) -> LiveEvent:
    return LiveEvent.objects.select_related("merchant").get(pk=event.pk)


def started(event, shopper, contact, *items) -> Order:
    """A checkout started for `items` ((variant, quantity), ...)."""
    for variant, quantity in items:
        cart_add(event=event, shopper=shopper, variant_id=variant.pk, quantity=quantity)
    return checkout_start(event=event, shopper=shopper, contact=contact).order


def pay(order, shopper) -> str:
    return pay_in_test_mode(order=order, shopper=shopper, succeed=True)


def late_payment(order) -> str:
    """A success the provider reports after the order was closed (as a webhook would)."""
    return payment_event_apply(
        event_id=f"late-{order.number}",
        event_type="payment_intent.succeeded",
        intent_id=order.payment_intent_id,
    )


@pytest.fixture
def flash_deal(live_event, headphones):
    """Headphones at 149.00 instead of 199.00 while the show is live, 2 per customer."""
    ShowProduct.objects.filter(event=live_event, product_id=headphones.product_id).update(
        live_price=14900, per_customer_limit=2
    )
    return headphones


# --- Adding to the cart ---------------------------------------------------------------------------


def test_a_viewer_adds_an_option_of_the_show_to_their_cart(live_event, shopper, vacuum):
    cart_add(event=live_event, shopper=shopper, variant_id=vacuum.pk, quantity=2)

    assert cart_of(live_event, shopper) == [(vacuum.pk, 2)]
    assert stock(vacuum) == (3, 0)  # a cart holds nothing: only checkout reserves


def test_adding_the_same_option_again_adds_to_its_line(live_event, shopper, headphones):
    cart_add(event=live_event, shopper=shopper, variant_id=headphones.pk, quantity=2)
    cart_add(event=live_event, shopper=shopper, variant_id=str(headphones.pk), quantity="3")

    assert cart_of(live_event, shopper) == [(headphones.pk, 5)]


@pytest.mark.parametrize(
    "quantity", [0, -1, 11, 10**30, "two", "", " ", None, True, 2.5, "1.5", [1], {"n": 1}]
)
def test_a_quantity_that_is_not_a_whole_number_from_1_to_the_maximum_is_refused(
    live_event, shopper, headphones, quantity
):
    before = world()

    with pytest.raises(CheckoutError) as refused:
        cart_add(event=live_event, shopper=shopper, variant_id=headphones.pk, quantity=quantity)

    assert refused.value.message == "Choose a quantity from 1 to 10."
    assert world() == before


def test_the_maximum_counts_what_the_cart_already_holds(live_event, shopper, headphones):
    cart_add(event=live_event, shopper=shopper, variant_id=headphones.pk, quantity=8)

    with pytest.raises(CheckoutError) as refused:
        cart_add(event=live_event, shopper=shopper, variant_id=headphones.pk, quantity=3)

    assert refused.value.message == "At most 10 of one option per order."
    assert cart_of(live_event, shopper) == [(headphones.pk, 8)]


@pytest.mark.parametrize("variant_id", [None, "", "abc", [1], 2.5, True])
def test_an_option_that_is_not_an_id_is_refused(live_event, shopper, headphones, variant_id):
    before = world()

    with pytest.raises(CheckoutError) as refused:
        cart_add(event=live_event, shopper=shopper, variant_id=variant_id, quantity=1)

    assert refused.value.message == "Choose an option of a product in this show."
    assert world() == before


@pytest.mark.parametrize("variant_id", [987654, -1, 0, 10**30])
def test_an_unknown_option_is_refused(live_event, shopper, show_products, variant_id):
    before = world()

    with pytest.raises(CheckoutError) as refused:
        cart_add(event=live_event, shopper=shopper, variant_id=variant_id, quantity=1)

    assert refused.value.message == "That option is not part of this show."
    assert world() == before


def test_an_option_of_a_product_not_in_this_show_is_refused(
    live_event, shopper, brand, make_product
):
    # given a product of the same brand that the host does not present in this show
    blender = make_product(brand, "Blender").variants.get()
    before = world()

    with pytest.raises(CheckoutError) as refused:
        cart_add(event=live_event, shopper=shopper, variant_id=blender.pk, quantity=1)

    assert refused.value.message == "That option is not part of this show."
    assert world() == before


def test_a_product_of_another_show_is_refused(
    live_event, shopper, make_event, make_merchant, make_product
):
    # given another brand's show and its product
    other_brand = make_merchant("other-brand")
    kettle = make_product(other_brand, "Kettle")
    make_event("kettle-hour", merchant=other_brand, products=[kettle])
    before = world()

    with pytest.raises(CheckoutError) as refused:
        cart_add(event=live_event, shopper=shopper, variant_id=kettle.variants.get().pk, quantity=1)

    assert refused.value.message == "That option is not part of this show."
    assert world() == before


@pytest.mark.parametrize("status", [Product.Status.ARCHIVED, Product.Status.DRAFT])
def test_a_product_taken_off_sale_is_refused_even_in_the_run_of_show(
    live_event, shopper, vacuum, status
):
    Product.objects.filter(pk=vacuum.product_id).update(status=status)
    before = world()

    with pytest.raises(CheckoutError) as refused:
        cart_add(event=live_event, shopper=shopper, variant_id=vacuum.pk, quantity=1)

    assert refused.value.message == "That option is not part of this show."
    assert world() == before


def test_a_sold_out_option_is_refused(live_event, shopper, air_fryer):
    with pytest.raises(SoldOut) as refused:
        cart_add(event=live_event, shopper=shopper, variant_id=air_fryer.pk, quantity=1)

    assert refused.value.message == "Air Fryer is sold out."
    assert cart_of(live_event, shopper) == []


def test_more_than_is_left_is_refused_with_what_is_left(live_event, shopper, vacuum):
    with pytest.raises(SoldOut) as refused:
        cart_add(event=live_event, shopper=shopper, variant_id=vacuum.pk, quantity=4)

    assert refused.value.message == "Only 3 of Robot Vacuum left."
    assert cart_of(live_event, shopper) == []


def test_units_reserved_by_others_are_not_available(live_event, shopper, guest, vacuum, contact):
    started(live_event, guest, contact, (vacuum, 2))

    with pytest.raises(SoldOut) as refused:
        cart_add(event=live_event, shopper=shopper, variant_id=vacuum.pk, quantity=2)

    assert refused.value.message == "Only 1 of Robot Vacuum left."


def test_each_guest_session_has_its_own_cart(live_event, guest, vacuum, headphones):
    other_guest = Shopper(user=None, session_key="guest-session-2", platform=Platform.DESKTOP)

    cart_add(event=live_event, shopper=guest, variant_id=vacuum.pk, quantity=1)
    cart_add(event=live_event, shopper=other_guest, variant_id=headphones.pk, quantity=2)

    assert cart_of(live_event, guest) == [(vacuum.pk, 1)]
    assert cart_of(live_event, other_guest) == [(headphones.pk, 2)]


# --- Changing the cart ----------------------------------------------------------------------------


@pytest.fixture
def line(live_event, shopper, headphones):
    cart_add(event=live_event, shopper=shopper, variant_id=headphones.pk, quantity=2)
    return CartLine.objects.get()


def test_a_viewer_changes_the_quantity_of_a_line(live_event, shopper, headphones, line):
    cart_set_quantity(event=live_event, shopper=shopper, line_id=line.pk, quantity=5)

    assert cart_of(live_event, shopper) == [(headphones.pk, 5)]


@pytest.mark.parametrize("quantity", [0, "0"])
def test_a_quantity_of_zero_removes_the_line(live_event, shopper, line, quantity):
    cart_set_quantity(event=live_event, shopper=shopper, line_id=line.pk, quantity=quantity)

    assert cart_of(live_event, shopper) == []


@pytest.mark.parametrize("quantity", [-1, 11, 10**30, "lots", None, 1.5, False])
def test_a_bad_new_quantity_is_refused(live_event, shopper, line, quantity):
    before = world()

    with pytest.raises(CheckoutError) as refused:
        cart_set_quantity(event=live_event, shopper=shopper, line_id=line.pk, quantity=quantity)

    assert refused.value.message in (
        "Choose a quantity from 1 to 10.",
        "At most 10 of one option per order.",
    )
    assert world() == before


def test_a_new_quantity_above_the_stock_is_refused(live_event, shopper, vacuum):
    cart_add(event=live_event, shopper=shopper, variant_id=vacuum.pk, quantity=1)
    line = CartLine.objects.get()

    with pytest.raises(SoldOut) as refused:
        cart_set_quantity(event=live_event, shopper=shopper, line_id=line.pk, quantity=4)

    assert refused.value.message == "Only 3 of Robot Vacuum left."
    assert cart_of(live_event, shopper) == [(vacuum.pk, 1)]


@pytest.mark.parametrize("line_id", [987654, "abc", None, 10**30])
def test_an_unknown_line_is_refused(live_event, shopper, line, line_id):
    before = world()

    with pytest.raises(CheckoutError) as refused:
        cart_set_quantity(event=live_event, shopper=shopper, line_id=line_id, quantity=1)

    assert refused.value.message == "That item is not in your cart."
    assert world() == before


def test_nobody_changes_another_viewers_cart(live_event, guest, line):
    before = world()

    for quantity in (0, 3):
        with pytest.raises(CheckoutError) as refused:
            cart_set_quantity(event=live_event, shopper=guest, line_id=line.pk, quantity=quantity)
        assert refused.value.message == "That item is not in your cart."

    assert world() == before


def test_a_line_of_another_shows_cart_cannot_be_changed_from_this_show(
    live_event, make_event, shopper, line
):
    other_show = make_event("other-show")
    before = world()

    with pytest.raises(CheckoutError) as refused:
        cart_set_quantity(event=other_show, shopper=shopper, line_id=line.pk, quantity=0)

    assert refused.value.message == "That item is not in your cart."
    assert world() == before


# --- Starting checkout ----------------------------------------------------------------------------


def test_checkout_reserves_the_cart_and_creates_an_order_priced_by_the_server(
    live_event, shopper, headphones, vacuum, contact
):
    order = started(live_event, shopper, contact, (headphones, 1), (vacuum, 2))

    assert order.status == Status.PENDING_PAYMENT
    assert (order.total, order.currency) == (19900 + 2 * 24900, "USD")
    assert (order.event, order.merchant, order.user) == (
        live_event,
        live_event.merchant,
        shopper.user,
    )
    assert order.platform == Platform.DESKTOP
    assert order.email == "ada@example.com" and order.shipping_city == "London"
    assert order.payment_provider == "test" and order.payment_intent_id.startswith("testpi_")
    assert stock(headphones) == (40, 1)
    assert stock(vacuum) == (3, 2)
    assert sorted(order.reservations.values_list("variant_id", "quantity", "state")) == sorted(
        [(headphones.pk, 1, HELD), (vacuum.pk, 2, HELD)]
    )
    minutes = (order.reserved_until - timezone.now()).total_seconds() / 60
    assert 9.9 < minutes <= 10


def test_checkout_of_an_empty_cart_is_refused(live_event, shopper, contact):
    with pytest.raises(CheckoutError) as refused:
        checkout_start(event=live_event, shopper=shopper, contact=contact)

    assert refused.value.message == "Your cart is empty."
    assert not Order.objects.exists()


def test_a_double_submit_returns_the_same_order_and_payment_and_reserves_once(
    live_event, shopper, vacuum, contact
):
    cart_add(event=live_event, shopper=shopper, variant_id=vacuum.pk, quantity=2)

    first = checkout_start(event=live_event, shopper=shopper, contact=contact)
    second = checkout_start(event=live_event, shopper=shopper, contact=contact)

    assert second.order.pk == first.order.pk
    assert second.intent.id == first.intent.id
    assert second.intent.client_secret, "the page needs the payment's secret to show the form"
    assert Order.objects.count() == 1
    assert stock(vacuum) == (3, 2)


def test_a_double_submit_arriving_while_the_first_asks_the_provider_buys_once(
    live_event, shopper, vacuum, contact, monkeypatch
):
    cart_add(event=live_event, shopper=shopper, variant_id=vacuum.pk, quantity=2)
    provider = get_provider()
    create_intent = provider.create_intent
    submits = []

    # when the second submit arrives exactly while the first waits for the payment provider
    def slow_provider(*, order):
        submits.append(order.pk)
        if len(submits) == 1:
            second.append(checkout_start(event=live_event, shopper=shopper, contact=contact))
        return create_intent(order=order)

    second = []

    monkeypatch.setattr(provider, "create_intent", slow_provider)
    first = checkout_start(event=live_event, shopper=shopper, contact=contact)

    # then both get the same order and payment, and the units are held once
    assert second[0].order.pk == first.order.pk
    assert second[0].intent.id == first.intent.id
    assert Order.objects.count() == 1
    assert stock(vacuum) == (3, 2)


def test_a_changed_cart_replaces_the_checkout_in_progress(
    live_event, shopper, vacuum, headphones, contact
):
    first = started(live_event, shopper, contact, (vacuum, 2))

    second = started(live_event, shopper, contact, (headphones, 1))

    first.refresh_from_db()
    assert second.pk != first.pk
    assert (first.status, first.status_reason) == (Status.CANCELLED, "Replaced by a new checkout.")
    assert stock(vacuum) == (3, 2)  # the new order holds the vacuums again, once
    assert stock(headphones) == (40, 1)
    assert second.total == 2 * 24900 + 19900


def test_checkout_when_the_stock_went_meanwhile_is_sold_out_and_changes_nothing(
    live_event, shopper, guest, vacuum, contact
):
    # given a viewer with 2 vacuums in the cart, and another buyer who then took 2 of 3
    cart_add(event=live_event, shopper=shopper, variant_id=vacuum.pk, quantity=2)
    started(live_event, guest, contact, (vacuum, 2))
    before = world()

    with pytest.raises(SoldOut) as refused:
        checkout_start(event=live_event, shopper=shopper, contact=contact)

    assert refused.value.message == "Only 1 of Robot Vacuum left."
    assert world() == before


def test_an_item_taken_off_the_show_after_adding_it_cannot_be_checked_out(
    live_event, shopper, vacuum, headphones, contact
):
    cart_add(event=live_event, shopper=shopper, variant_id=vacuum.pk, quantity=1)
    ShowProduct.objects.filter(event=live_event, product_id=vacuum.product_id).delete()
    before = world()

    with pytest.raises(CheckoutError) as refused:
        checkout_start(event=live_event, shopper=shopper, contact=contact)

    assert refused.value.message == "Robot Vacuum is no longer part of this show."
    assert world() == before


# --- Show status and platforms --------------------------------------------------------------------


def test_nothing_can_be_bought_once_the_show_was_cancelled(
    make_event, host, shopper, vacuum, contact
):
    # given a viewer who filled a cart before the show was called off
    upcoming = make_event("next-week", status=LiveEvent.Status.SCHEDULED)
    cart_add(event=upcoming, shopper=shopper, variant_id=vacuum.pk, quantity=1)
    line = CartLine.objects.get()
    show_services.event_transition(event=upcoming, to=LiveEvent.Status.CANCELLED, by=host)
    event = fresh(upcoming)
    before = world()

    steps = [
        lambda: cart_add(event=event, shopper=shopper, variant_id=vacuum.pk, quantity=1),
        lambda: cart_set_quantity(event=event, shopper=shopper, line_id=line.pk, quantity=2),
        lambda: checkout_start(event=event, shopper=shopper, contact=contact),
    ]
    for step in steps:
        with pytest.raises(ShowClosed) as refused:
            step()
        assert refused.value.message == (
            "This show was cancelled, so its products cannot be bought here."
        )

    assert world() == before


def test_a_show_that_ended_stays_shoppable_at_the_regular_price(
    live_event, host, shopper, flash_deal, contact
):
    # our decision: replays keep selling, but the live-only price ends with the show
    cart_add(event=live_event, shopper=shopper, variant_id=flash_deal.pk, quantity=1)
    show_services.event_transition(event=live_event, to=LiveEvent.Status.ENDED, by=host)

    order = checkout_start(event=fresh(live_event), shopper=shopper, contact=contact).order
    assert pay(order, shopper) == "paid"

    order.refresh_from_db()
    assert (order.status, order.total) == (Status.PAID, 19900)
    assert order.lines.get().unit_price == 19900


def test_a_show_not_started_yet_sells_at_the_regular_price(
    make_event, shopper, headphones, contact
):
    event = make_event("next-week", status=LiveEvent.Status.SCHEDULED)
    ShowProduct.objects.filter(event=event).update(live_price=100)

    order = started(event, shopper, contact, (headphones, 1))

    assert order.total == 19900


def test_android_viewers_are_refused_at_every_purchase_step(
    live_event, viewer, shopper, vacuum, contact
):
    # given a viewer who has a cart and an order started on their laptop
    order = started(live_event, shopper, contact, (vacuum, 1))
    line = CartLine.objects.get()
    android = Shopper(user=viewer, session_key="", platform=Platform.ANDROID)
    before = world()

    steps = [
        lambda: cart_add(event=live_event, shopper=android, variant_id=vacuum.pk, quantity=1),
        lambda: cart_set_quantity(event=live_event, shopper=android, line_id=line.pk, quantity=2),
        lambda: checkout_start(event=live_event, shopper=android, contact=contact),
        lambda: pay_in_test_mode(order=order, shopper=android, succeed=True),
    ]
    for step in steps:
        with pytest.raises(PlatformNotAllowed) as refused:
            step()
        assert refused.value.message == (
            "Buying during this show is available on iOS and Desktop. On this device you can watch."
        )

    assert world() == before


def test_a_show_lists_the_platforms_that_may_buy(live_event, vacuum):
    LiveEvent.objects.filter(pk=live_event.pk).update(purchase_platforms=[Platform.IOS])
    event = fresh(live_event)
    desktop = Shopper(user=None, session_key="s", platform=Platform.DESKTOP)
    iphone = Shopper(user=None, session_key="s", platform=Platform.IOS)

    with pytest.raises(PlatformNotAllowed) as refused:
        cart_add(event=event, shopper=desktop, variant_id=vacuum.pk, quantity=1)
    cart_add(event=event, shopper=iphone, variant_id=vacuum.pk, quantity=1)

    assert "available on iOS" in refused.value.message
    assert cart_of(event, iphone) == [(vacuum.pk, 1)]


# --- Flash deals ----------------------------------------------------------------------------------


def test_the_live_price_applies_while_the_show_is_live(live_event, shopper, flash_deal, contact):
    order = started(live_event, shopper, contact, (flash_deal, 2))

    assert order.total == 2 * 14900
    assert order.lines.get().unit_price == 14900


def test_the_per_customer_limit_counts_the_cart(live_event, shopper, flash_deal):
    cart_add(event=live_event, shopper=shopper, variant_id=flash_deal.pk, quantity=2)

    with pytest.raises(CheckoutError) as refused:
        cart_add(event=live_event, shopper=shopper, variant_id=flash_deal.pk, quantity=1)

    assert refused.value.message == "This deal is limited to 2 per customer."
    assert cart_of(live_event, shopper) == [(flash_deal.pk, 2)]


def test_the_per_customer_limit_counts_every_option_of_the_product(
    brand, make_product, make_event, shopper
):
    jacket = make_product(
        brand,
        "Rain Jacket",
        variants=[
            {"price": 8900, "stock_on_hand": 9, "size": "M"},
            {"price": 8900, "stock_on_hand": 9, "size": "L"},
        ],
    )
    event = make_event("jacket-hour", products=[jacket])
    ShowProduct.objects.filter(event=event).update(per_customer_limit=3)
    medium, large = jacket.variants.all()
    cart_add(event=event, shopper=shopper, variant_id=medium.pk, quantity=2)

    with pytest.raises(CheckoutError) as refused:
        cart_add(event=event, shopper=shopper, variant_id=large.pk, quantity=2)
    cart_add(event=event, shopper=shopper, variant_id=large.pk, quantity=1)

    assert refused.value.message == "This deal is limited to 3 per customer."
    assert cart_of(event, shopper) == [(medium.pk, 2), (large.pk, 1)]


def test_the_per_customer_limit_counts_earlier_paid_orders(
    live_event, shopper, flash_deal, contact
):
    pay(started(live_event, shopper, contact, (flash_deal, 1)), shopper)
    cart_add(event=live_event, shopper=shopper, variant_id=flash_deal.pk, quantity=1)

    with pytest.raises(CheckoutError) as refused:
        cart_add(event=live_event, shopper=shopper, variant_id=flash_deal.pk, quantity=1)

    assert refused.value.message == "This deal is limited to 2 per customer."
    assert cart_of(live_event, shopper) == [(flash_deal.pk, 1)]


def test_the_per_customer_limit_counts_orders_waiting_for_payment(
    live_event, shopper, flash_deal, contact
):
    # given an order of 2 that waits for its payment, its reservation past due but not yet released
    order = started(live_event, shopper, contact, (flash_deal, 2))
    Order.objects.filter(pk=order.pk).update(reserved_until=timezone.now() - timedelta(seconds=1))
    CartLine.objects.all().delete()

    with pytest.raises(CheckoutError) as refused:
        cart_add(event=live_event, shopper=shopper, variant_id=flash_deal.pk, quantity=1)

    assert refused.value.message == "This deal is limited to 2 per customer."


def test_the_checkout_in_progress_is_not_counted_twice_against_the_limit(
    live_event, shopper, flash_deal, contact
):
    # given a checkout of 2 in progress: its units are the cart's own units
    first = started(live_event, shopper, contact, (flash_deal, 2))
    line = CartLine.objects.get()

    # when the viewer lowers the quantity to 1 and checks out again
    cart_set_quantity(event=live_event, shopper=shopper, line_id=line.pk, quantity=1)
    second = checkout_start(event=live_event, shopper=shopper, contact=contact).order

    # then the new order replaces the first one
    first.refresh_from_db()
    assert first.status == Status.CANCELLED
    assert second.lines.get().quantity == 1
    assert stock(flash_deal) == (40, 1)


def test_a_replaced_checkout_paid_late_beside_its_replacement_is_refunded(
    live_event, shopper, flash_deal, contact, mailoutbox
):
    # given a 1-per-customer deal, a checkout whose payment is on its way, and a second checkout
    # with another address that replaced it
    ShowProduct.objects.filter(event=live_event).update(per_customer_limit=1)
    first = started(live_event, shopper, contact, (flash_deal, 1))
    second = checkout_start(
        event=live_event, shopper=shopper, contact={**contact, "shipping_city": "Leeds"}
    ).order
    # when the second is paid, then the first one's payment arrives too
    assert pay(second, shopper) == "paid"
    assert late_payment(first) == "over the limit, refunding"

    # then the buyer has 1 unit, and the late payment is given back (at once, in test mode)
    first.refresh_from_db()
    assert first.status == Status.REFUNDED
    assert "limited to 1 per customer" in first.status_reason
    assert stock(flash_deal) == (39, 0)
    # and told why
    refunded = [m for m in mailoutbox if m.subject == "Your Liveshop order could not be completed"]
    assert len(refunded) == 1
    assert "This deal is limited to 1 per customer" in refunded[0].body


@pytest.mark.parametrize("status", [Status.PARTIALLY_REFUNDED, Status.DISPUTED])
def test_a_partly_refunded_or_disputed_order_still_counts_toward_the_limit(
    live_event, shopper, flash_deal, contact, status
):
    bought = started(live_event, shopper, contact, (flash_deal, 2))
    pay(bought, shopper)
    Order.objects.filter(pk=bought.pk).update(status=status)

    with pytest.raises(CheckoutError) as refused:
        cart_add(event=live_event, shopper=shopper, variant_id=flash_deal.pk, quantity=1)

    assert refused.value.message == "This deal is limited to 2 per customer."


@pytest.mark.parametrize(
    "received", [{"amount_received": 100}, {"amount_received": None}, {"currency": "eur"}]
)
def test_a_payment_for_less_than_the_total_or_in_another_currency_does_not_pay(
    live_event, shopper, vacuum, contact, received
):
    order = started(live_event, shopper, contact, (vacuum, 1))
    data = {"amount_received": order.total, "currency": "usd", **received}

    outcome = payment_event_apply(
        event_id="evt-short",
        event_type="payment_intent.succeeded",
        intent_id=order.payment_intent_id,
        data=data,
    )

    assert outcome == "amount differs, refunding"
    order.refresh_from_db()
    assert order.status == Status.REFUNDED  # at once, in test mode
    assert "did not match the order" in order.status_reason
    assert stock(vacuum) == (3, 0)  # the held units are back on sale


def test_a_payment_of_the_total_in_its_currency_pays(live_event, shopper, vacuum, contact):
    order = started(live_event, shopper, contact, (vacuum, 1))

    outcome = payment_event_apply(
        event_id="evt-full",
        event_type="payment_intent.succeeded",
        intent_id=order.payment_intent_id,
        data={"amount_received": order.total, "currency": "usd"},
    )

    assert outcome == "paid"


def test_the_per_customer_limit_is_checked_again_at_checkout(
    brand, make_product, make_event, shopper, contact
):
    # given a jacket limited to 2 per customer, and an order of 1 whose reservation expired
    jacket = make_product(
        brand,
        "Rain Jacket",
        variants=[
            {"price": 8900, "stock_on_hand": 9, "size": "M"},
            {"price": 8900, "stock_on_hand": 9, "size": "L"},
        ],
    )
    event = make_event("jacket-hour", products=[jacket])
    ShowProduct.objects.filter(event=event).update(per_customer_limit=2)
    medium, large = jacket.variants.all()
    late = started(event, shopper, contact, (medium, 1))
    orders_release_expired(now=later())
    # and a cart of 2 large jackets, filled while that order did not count
    CartLine.objects.all().delete()
    cart_add(event=event, shopper=shopper, variant_id=large.pk, quantity=2)
    # when the late payment then goes through after all
    assert late_payment(late) == "paid"
    before = world()

    with pytest.raises(CheckoutError) as refused:
        checkout_start(event=event, shopper=shopper, contact=contact)

    assert refused.value.message == "This deal is limited to 2 per customer."
    assert world() == before


def test_another_customer_has_their_own_limit(live_event, shopper, make_buyer, flash_deal):
    other = Shopper(user=make_buyer("other"), session_key="", platform=Platform.IOS)
    cart_add(event=live_event, shopper=shopper, variant_id=flash_deal.pk, quantity=2)
    cart_add(event=live_event, shopper=other, variant_id=flash_deal.pk, quantity=2)

    assert cart_of(live_event, other) == [(flash_deal.pk, 2)]


def test_a_deal_limited_per_customer_needs_an_account(live_event, guest, flash_deal):
    # Four fresh guest sessions with the same email could each buy "one per customer".
    with pytest.raises(SignInRequired) as refused:
        cart_add(event=live_event, shopper=guest, variant_id=flash_deal.pk, quantity=1)

    assert refused.value.message == "This deal is limited to 2 per customer: sign in to buy it."
    assert not CartLine.objects.exists()


# --- Paying ---------------------------------------------------------------------------------------


def test_a_paid_order_sells_the_stock_empties_the_cart_and_emails_the_buyer(
    live_event, shopper, vacuum, contact, mailoutbox
):
    order = started(live_event, shopper, contact, (vacuum, 2))

    assert pay(order, shopper) == "paid"

    order.refresh_from_db()
    assert order.status == Status.PAID and order.paid_at is not None
    assert stock(vacuum) == (1, 0)
    assert cart_of(live_event, shopper) == []
    [email] = mailoutbox
    assert email.to == ["ada@example.com"]
    assert email.subject == "Your Liveshop order is confirmed"
    assert str(order.number) in email.body
    assert "2 × Robot Vacuum" in email.body and "Total: $498.00" in email.body


def test_paying_twice_sells_once_and_emails_once(live_event, shopper, vacuum, contact, mailoutbox):
    order = started(live_event, shopper, contact, (vacuum, 1))

    assert pay(order, shopper) == "paid"
    with pytest.raises(CheckoutError, match="no longer waiting for payment"):
        pay(order, shopper)

    assert stock(vacuum) == (2, 0)
    assert len(mailoutbox) == 1


def test_a_declined_order_cannot_be_paid_afterwards(
    live_event, shopper, vacuum, contact, mailoutbox
):
    order = started(live_event, shopper, contact, (vacuum, 1))
    pay_in_test_mode(order=order, shopper=shopper, succeed=False)

    with pytest.raises(CheckoutError, match="check out again"):
        pay(order, shopper)

    order.refresh_from_db()
    assert order.status == Status.CANCELLED
    assert stock(vacuum) == (3, 0)
    assert mailoutbox == []


def test_a_failed_payment_gives_the_stock_back(live_event, shopper, vacuum, contact, mailoutbox):
    order = started(live_event, shopper, contact, (vacuum, 2))

    assert pay_in_test_mode(order=order, shopper=shopper, succeed=False) == "released"

    order.refresh_from_db()
    assert (order.status, order.status_reason) == (
        Status.CANCELLED,
        "The payment did not go through.",
    )
    assert stock(vacuum) == (3, 0)
    assert mailoutbox == []


def test_nobody_pays_another_viewers_order(live_event, shopper, guest, vacuum, contact):
    order = started(live_event, shopper, contact, (vacuum, 1))
    before = world()

    with pytest.raises(CheckoutError) as refused:
        pay_in_test_mode(order=order, shopper=guest, succeed=True)

    assert refused.value.message == "That order does not exist."
    assert world() == before


def test_an_order_paid_with_stripe_cannot_be_settled_by_the_test_form(
    live_event, shopper, vacuum, contact
):
    order = started(live_event, shopper, contact, (vacuum, 1))
    Order.objects.filter(pk=order.pk).update(payment_provider="stripe")
    order.refresh_from_db()

    with pytest.raises(CheckoutError) as refused:
        pay(order, shopper)

    assert refused.value.message == "This order is not paid in test mode."
    assert stock(vacuum) == (3, 1)


def test_the_buyer_cancels_before_paying_and_the_stock_goes_back(
    live_event, shopper, guest, vacuum, contact
):
    order = started(live_event, shopper, contact, (vacuum, 2))

    with pytest.raises(CheckoutError):
        order_cancel(order=order, shopper=guest)
    assert stock(vacuum) == (3, 2)

    order_cancel(order=order, shopper=shopper)

    order.refresh_from_db()
    assert (order.status, order.status_reason) == (Status.CANCELLED, "Cancelled by the buyer.")
    assert stock(vacuum) == (3, 0)


# --- Expiry ---------------------------------------------------------------------------------------


def later(minutes: int = 11):
    return timezone.now() + timedelta(minutes=minutes)


def test_expired_reservations_are_released_and_their_orders_cancelled(
    live_event, shopper, guest, vacuum, headphones, contact
):
    expiring = started(live_event, shopper, contact, (vacuum, 2))
    paid = started(live_event, guest, contact, (headphones, 1))
    pay(paid, guest)

    assert orders_release_expired(now=later()) == 1

    expiring.refresh_from_db()
    assert (expiring.status, expiring.status_reason) == (
        Status.CANCELLED,
        "The reservation expired before payment.",
    )
    assert expiring.reservations.get().state == RELEASED
    assert stock(vacuum) == (3, 0)
    assert stock(headphones) == (39, 0)
    assert Order.objects.get(pk=paid.pk).status == Status.PAID


def test_reservations_still_running_are_kept(live_event, shopper, vacuum, contact):
    order = started(live_event, shopper, contact, (vacuum, 2))

    assert orders_release_expired(now=later(minutes=9)) == 0
    assert orders_release_expired() == 0

    order.refresh_from_db()
    assert order.status == Status.PENDING_PAYMENT
    assert stock(vacuum) == (3, 2)


def test_releasing_expired_reservations_twice_releases_once(live_event, shopper, vacuum, contact):
    started(live_event, shopper, contact, (vacuum, 2))

    assert orders_release_expired(now=later()) == 1
    assert orders_release_expired(now=later()) == 0

    assert stock(vacuum) == (3, 0)


def test_the_release_command_gives_expired_stock_back(live_event, shopper, vacuum, contact):
    from django.core.management import call_command

    order = started(live_event, shopper, contact, (vacuum, 2))
    Order.objects.filter(pk=order.pk).update(reserved_until=timezone.now() - timedelta(seconds=1))

    call_command("release_expired_reservations")

    assert stock(vacuum) == (3, 0)


def test_a_payment_after_expiry_takes_the_stock_again_while_it_is_free(
    live_event, shopper, vacuum, contact, mailoutbox
):
    order = started(live_event, shopper, contact, (vacuum, 2))
    orders_release_expired(now=later())

    assert late_payment(order) == "paid"

    order.refresh_from_db()
    assert order.status == Status.PAID
    assert stock(vacuum) == (1, 0)
    assert [e.subject for e in mailoutbox] == ["Your Liveshop order is confirmed"]


def test_a_payment_after_the_stock_was_sold_elsewhere_is_refunded_and_the_buyer_told(
    live_event, shopper, guest, vacuum, contact, mailoutbox
):
    # given an order whose reservation expired, and whose units another buyer then bought
    late = started(live_event, shopper, contact, (vacuum, 2))
    orders_release_expired(now=later())
    pay(started(live_event, guest, dict(contact, email="bob@example.com"), (vacuum, 3)), guest)
    mailoutbox.clear()

    # when the late buyer's payment succeeds anyway
    assert late_payment(late) == "sold out, refunding"

    # then their money goes back, they are told, and the other buyer keeps the units
    late.refresh_from_db()
    assert late.status == Status.REFUNDED
    assert stock(vacuum) == (0, 0)
    [email] = mailoutbox
    assert email.to == ["ada@example.com"]
    assert email.subject == "Your Liveshop order could not be completed"
    assert "Robot Vacuum sold out while your payment was going through" in email.body
    assert "refunded in full" in email.body


# --- What the order keeps -------------------------------------------------------------------------


def test_an_order_keeps_a_snapshot_of_what_was_bought(
    brand, make_product, make_event, shopper, contact
):
    jacket = make_product(
        brand,
        "Rain Jacket",
        variants=[{"price": 8900, "stock_on_hand": 5, "size": "M", "color": "Navy", "sku": "RJ-M"}],
    )
    event = make_event("jacket-hour", products=[jacket])
    variant = jacket.variants.get()
    order = started(event, shopper, contact, (variant, 2))

    # when the merchant later renames and reprices the product
    Product.objects.filter(pk=jacket.pk).update(title="Storm Jacket")
    Variant.objects.filter(pk=variant.pk).update(price=5000, size="S", currency="EUR")

    line = OrderLine.objects.get(order=order)
    assert (line.product_title, line.variant_label, line.sku) == ("Rain Jacket", "M / Navy", "RJ-M")
    assert (line.unit_price, line.currency, line.quantity, line.line_total) == (
        8900,
        "USD",
        2,
        17800,
    )
    assert Order.objects.get(pk=order.pk).total == 17800


def test_each_line_records_the_product_featured_when_it_was_added(
    live_event, host, shopper, headphones, vacuum, contact
):
    show_services.event_feature_product(event=live_event, product_id=vacuum.product_id, by=host)
    cart_add(event=fresh(live_event), shopper=shopper, variant_id=headphones.pk, quantity=1)
    show_services.event_feature_product(event=live_event, product_id=None, by=host)
    cart_add(event=fresh(live_event), shopper=shopper, variant_id=vacuum.pk, quantity=1)
    show_services.event_feature_product(event=live_event, product_id=headphones.product_id, by=host)

    order = checkout_start(event=fresh(live_event), shopper=shopper, contact=contact).order

    featured = dict(order.lines.values_list("variant_id", "featured_product_id"))
    assert featured == {headphones.pk: vacuum.product_id, vacuum.pk: None}


# --- What viewers are told ------------------------------------------------------------------------


def test_viewers_are_told_the_stock_left_once_a_reservation_is_committed(
    live_event, shopper, vacuum, contact, published, django_capture_on_commit_callbacks
):
    cart_add(event=live_event, shopper=shopper, variant_id=vacuum.pk, quantity=2)

    with django_capture_on_commit_callbacks(execute=True):
        checkout_start(event=live_event, shopper=shopper, contact=contact)

    assert published == [
        {
            "type": "stock",
            "product_id": vacuum.product_id,
            "stock": {"state": "low", "left": 1},
            "seq": 1,
        }
    ]


def test_viewers_are_told_when_the_last_units_are_reserved_and_when_they_come_back(
    live_event, shopper, vacuum, contact, published, django_capture_on_commit_callbacks
):
    cart_add(event=live_event, shopper=shopper, variant_id=vacuum.pk, quantity=3)
    with django_capture_on_commit_callbacks(execute=True):
        checkout_start(event=live_event, shopper=shopper, contact=contact)
    with django_capture_on_commit_callbacks(execute=True):
        orders_release_expired(now=later())

    assert [(m["stock"], m["seq"]) for m in published] == [
        ({"state": "sold_out", "left": 0}, 1),
        ({"state": "low", "left": 3}, 2),
    ]


def test_a_refused_checkout_tells_viewers_nothing(
    live_event, shopper, vacuum, contact, published, django_capture_on_commit_callbacks
):
    cart_add(event=live_event, shopper=shopper, variant_id=vacuum.pk, quantity=2)
    Variant.objects.filter(pk=vacuum.pk).update(stock_on_hand=1)

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(SoldOut):
        checkout_start(event=live_event, shopper=shopper, contact=contact)

    assert published == []


def test_a_new_checkout_first_gives_back_stock_held_by_abandoned_ones(
    live_event, shopper, guest, vacuum, contact
):
    # given a checkout that took every unit and was abandoned past its reservation
    abandoned = started(live_event, shopper, contact, (vacuum, 3))
    Order.objects.filter(pk=abandoned.pk).update(
        reserved_until=timezone.now() - timedelta(seconds=1)
    )

    # when someone else checks out, with no scheduler having run
    order = started(live_event, guest, dict(contact, email="bob@example.com"), (vacuum, 1))

    # then the abandoned units came back first, and the new buyer holds one
    abandoned.refresh_from_db()
    assert abandoned.status == Status.CANCELLED
    assert order.status == Status.PENDING_PAYMENT
    assert stock(vacuum) == (3, 1)
