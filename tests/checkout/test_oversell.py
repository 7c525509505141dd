"""With N units and many more buyers at the same moment, exactly N buy: real threads, each with
its own database connection, on SQLite and PostgreSQL alike."""

import pytest

from catalog.models import Variant
from checkout.cart import cart_add
from checkout.errors import SoldOut
from checkout.models import Order, PaymentEvent, Reservation
from checkout.orders import StartedCheckout, checkout_start
from checkout.payment_outcomes import pay_in_test_mode
from checkout.shoppers import Shopper
from events.models import Platform
from tests.checkout.conftest import CONTACT, run_in_threads

pytestmark = pytest.mark.django_db(transaction=True)

UNITS = 5
BUYERS = 30


@pytest.fixture
def drop(brand, make_product, make_event, published):
    """A live show selling one limited sneaker: 5 units."""
    sneaker = make_product(
        brand, "Limited Sneaker", variants=[{"price": 12000, "stock_on_hand": UNITS}]
    )
    event = make_event("sneaker-drop", products=[sneaker])
    return event, sneaker.variants.get()


@pytest.fixture
def buyers(make_buyer):
    return [
        Shopper(user=make_buyer(f"buyer{n}"), session_key="", platform=Platform.IOS)
        for n in range(BUYERS)
    ]


def test_n_units_and_many_concurrent_buyers_make_exactly_n_orders(drop, buyers, published):
    event, sneaker = drop

    # when 30 buyers add the sneaker and start checkout at the same moment
    def buy(n):
        cart_add(event=event, shopper=buyers[n], variant_id=sneaker.pk, quantity=1)
        return checkout_start(event=event, shopper=buyers[n], contact=dict(CONTACT))

    outcomes = run_in_threads(BUYERS, buy)

    # then exactly 5 hold a reservation, and every other buyer was told it sold out
    started = [o for o in outcomes if isinstance(o, StartedCheckout)]
    refused = [o for o in outcomes if not isinstance(o, StartedCheckout)]
    assert len(started) == UNITS
    assert all(isinstance(o, SoldOut) for o in refused), refused
    sneaker.refresh_from_db()
    assert (sneaker.stock_on_hand, sneaker.reserved) == (UNITS, UNITS)
    assert Order.objects.filter(status=Order.Status.PENDING_PAYMENT).count() == UNITS
    assert Reservation.objects.filter(state=Reservation.State.HELD).count() == UNITS
    assert {s.order.user_id for s in started} == {
        o.user_id for o in Order.objects.filter(status=Order.Status.PENDING_PAYMENT)
    }
    # and viewers were told the stock changed
    assert {m["type"] for m in published} == {"stock"}
    latest = max(published, key=lambda message: message["seq"])
    assert latest["stock"] == {"state": "sold_out", "left": 0}

    # when the 5 winners all pay at the same moment
    winners = {s.order.user_id: s.order for s in started}
    paying = [b for b in buyers if b.user.pk in winners]

    def pay(n):
        return pay_in_test_mode(order=winners[paying[n].user.pk], shopper=paying[n], succeed=True)

    assert run_in_threads(UNITS, pay) == ["paid"] * UNITS

    # then the reservations became sales and the shelf is empty, never negative
    sneaker.refresh_from_db()
    assert (sneaker.stock_on_hand, sneaker.reserved) == (0, 0)
    assert Order.objects.filter(status=Order.Status.PAID).count() == UNITS
    assert Reservation.objects.filter(state=Reservation.State.SOLD).count() == UNITS
    assert PaymentEvent.objects.count() == UNITS


def test_concurrent_buyers_of_several_units_never_take_more_than_the_stock(drop, buyers):
    event, sneaker = drop

    # when buyers of 2 units each race for 5 units
    def buy(n):
        cart_add(event=event, shopper=buyers[n], variant_id=sneaker.pk, quantity=2)
        return checkout_start(event=event, shopper=buyers[n], contact=dict(CONTACT))

    outcomes = run_in_threads(12, buy)

    # then two buyers hold 4 units; the last unit stays on the shelf
    started = [o for o in outcomes if isinstance(o, StartedCheckout)]
    assert len(started) == 2
    assert all(isinstance(o, SoldOut) for o in outcomes if o not in started), outcomes
    assert Variant.objects.values_list("stock_on_hand", "reserved").get(pk=sneaker.pk) == (5, 4)


def test_a_checkout_submitted_many_times_at_once_makes_one_order(drop, buyers):
    event, sneaker = drop
    buyer = buyers[0]
    cart_add(event=event, shopper=buyer, variant_id=sneaker.pk, quantity=2)

    # when the same buyer's checkout arrives 8 times at the same moment (an impatient double tap)
    outcomes = run_in_threads(
        8, lambda n: checkout_start(event=event, shopper=buyer, contact=dict(CONTACT))
    )

    # then every submit gets the same order and payment, and the units are held once
    assert {o.order.pk for o in outcomes} == {Order.objects.get().pk}, outcomes
    assert len({o.intent.id for o in outcomes}) == 1
    assert Variant.objects.values_list("stock_on_hand", "reserved").get(pk=sneaker.pk) == (5, 2)
