"""Orders in the Shopping Manager: each merchant sees its own, read-only; platform staff see all."""

import pytest
from django.urls import reverse

from catalog.models import Membership
from checkout.cart import cart_add
from checkout.models import Order
from checkout.orders import checkout_start
from checkout.payment_outcomes import pay_in_test_mode
from checkout.shoppers import Shopper
from events.models import Platform
from tests.checkout.conftest import CONTACT


@pytest.fixture
def orders(make_merchant, make_product, make_event, live_event, vacuum):
    """A paid order at the show's brand, and one at another brand."""

    def bought(event, variant, email):
        shopper = Shopper(user=None, session_key=email, platform=Platform.IOS)
        cart_add(event=event, shopper=shopper, variant_id=variant.pk, quantity=1)
        order = checkout_start(
            event=event, shopper=shopper, contact={**CONTACT, "email": email}
        ).order
        pay_in_test_mode(order=order, shopper=shopper, succeed=True)
        return order

    other_brand = make_merchant("other-brand")
    kettle = make_product(other_brand, "Secret Kettle")
    kettle_show = make_event("kettle-hour", merchant=other_brand, products=[kettle])
    return {
        "own": bought(live_event, vacuum, "own-buyer@example.com"),
        "other": bought(kettle_show, kettle.variants.get(), "other-buyer@example.com"),
    }


def change_url(order: Order) -> str:
    return reverse("admin:checkout_order_change", args=[order.pk])


@pytest.mark.parametrize("role", [Membership.Role.OWNER, Membership.Role.CATALOG_MANAGER])
def test_a_merchant_lists_only_its_own_orders(client, brand, make_staff, orders, role):
    client.force_login(make_staff(brand, role))

    page = client.get(reverse("admin:checkout_order_changelist")).content.decode()

    assert "own-buyer@example.com" in page
    assert "other-buyer@example.com" not in page


def test_a_merchant_cannot_open_another_merchants_order(client, brand, make_staff, orders):
    client.force_login(make_staff(brand))

    response = client.get(change_url(orders["other"]))

    assert response.status_code in (302, 404)


def test_a_merchant_reads_its_order_with_its_lines(client, brand, make_staff, orders):
    client.force_login(make_staff(brand))

    response = client.get(change_url(orders["own"]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "own-buyer@example.com" in page
    assert "Robot Vacuum" in page  # the line's snapshot of the product


def test_orders_are_never_edited_added_or_deleted_by_hand(client, brand, make_staff, orders):
    client.force_login(make_staff(brand))
    own = orders["own"]

    client.post(change_url(own), {"status": "refunded", "total": 1, "email": "x@example.com"})

    own.refresh_from_db()
    assert (own.status, own.total, own.email) == ("paid", 24900, "own-buyer@example.com")
    assert client.get(reverse("admin:checkout_order_add")).status_code == 403
    assert client.get(reverse("admin:checkout_order_delete", args=[own.pk])).status_code == 403


def test_platform_staff_see_every_merchants_orders(client, platform_staff, orders):
    client.force_login(platform_staff)

    page = client.get(reverse("admin:checkout_order_changelist")).content.decode()

    assert "own-buyer@example.com" in page and "other-buyer@example.com" in page


def test_a_host_may_look_but_not_touch(client, brand, make_staff, orders):
    client.force_login(make_staff(brand, Membership.Role.HOST))

    assert client.get(change_url(orders["own"])).status_code == 200
    assert client.get(change_url(orders["other"])).status_code in (302, 404)


def test_orders_show_their_amounts_as_money(client, brand, make_staff, orders):
    # given an order of $1,318.99 of which $18.99 was refunded
    Order.objects.filter(pk=orders["own"].pk).update(total=131899, amount_refunded=1899)
    client.force_login(make_staff(brand))

    listed = client.get(reverse("admin:checkout_order_changelist")).content.decode()
    opened = client.get(change_url(orders["own"])).content.decode()

    # then the list and the order read as money, never as minor units
    assert "$1,318.99" in listed and "$18.99" in listed
    assert "$1,318.99" in opened and "$18.99" in opened
    assert "$249.00" in opened  # the line's unit price and line total
    for page in (listed, opened):
        assert "131899" not in page and "24900" not in page


def test_the_orders_list_says_where_each_order_was_bought(client, brand, make_staff, live_event):
    from checkout.cart import cart_add as add
    from checkout.orders import checkout_start as start

    headphones = live_event.products.get(title="Noise-Cancelling Headphones").variants.get()
    for email, where in [
        ("show@example.com", {"event": live_event}),
        ("shop@example.com", {"shop": brand}),
    ]:
        shopper = Shopper(user=None, session_key=email, platform=Platform.IOS)
        add(**where, shopper=shopper, variant_id=headphones.pk, quantity=1)
        start(**where, shopper=shopper, contact={**CONTACT, "email": email})
    client.force_login(make_staff(brand))

    rows = client.get(reverse("admin:checkout_order_changelist")).context["cl"].result_list
    admin_view = client.get(reverse("admin:checkout_order_changelist")).context["cl"].model_admin

    assert sorted((o.email, admin_view.bought_in(o)) for o in rows) == [
        ("shop@example.com", "Shop"),
        ("show@example.com", live_event.title),
    ]
