"""Stock moves: reserve, sell, release. A viewer can buy `stock_on_hand - reserved`."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from catalog.models import Variant
from checkout import inventory
from checkout.models import Order, Reservation
from tests.checkout.conftest import CONTACT, run_before_query

HELD, SOLD, RELEASED = Reservation.State


@pytest.fixture
def make_order(live_event):
    def make() -> Order:
        return Order.objects.create(
            merchant=live_event.merchant,
            event=live_event,
            platform="desktop",
            currency="USD",
            total=0,
            payment_provider="test",
            reserved_until=timezone.now() + timedelta(minutes=10),
            **CONTACT,
        )

    return make


@pytest.fixture
def until():
    return timezone.now() + timedelta(minutes=10)


def stock(variant: Variant) -> dict:
    variant.refresh_from_db()
    return {
        "on_hand": variant.stock_on_hand,
        "reserved": variant.reserved,
        "available": variant.available,
    }


def run_before_stock_update(competitor):
    """Run `competitor` after the code decided to move stock, before its conditional UPDATE."""
    return run_before_query('UPDATE "catalog_variant"', competitor)


# --- reserve --------------------------------------------------------------------------------------


def test_reserving_holds_units_without_touching_stock_on_hand(make_order, vacuum, until):
    order = make_order()

    [reservation] = inventory.reserve(order=order, quantities={vacuum.pk: 2}, until=until)

    assert stock(vacuum) == {"on_hand": 3, "reserved": 2, "available": 1}
    assert (reservation.order, reservation.quantity, reservation.state) == (order, 2, HELD)
    assert reservation.expires_at == until


def test_reserving_more_than_is_available_holds_nothing(make_order, vacuum, until):
    inventory.reserve(order=make_order(), quantities={vacuum.pk: 2}, until=until)
    late = make_order()

    with pytest.raises(inventory.OutOfStock) as refused:
        inventory.reserve(order=late, quantities={vacuum.pk: 2}, until=until)

    assert refused.value.variant_id == vacuum.pk
    assert stock(vacuum) == {"on_hand": 3, "reserved": 2, "available": 1}
    assert not late.reservations.exists()


def test_reserving_the_last_units_leaves_none_available(make_order, vacuum, until):
    inventory.reserve(order=make_order(), quantities={vacuum.pk: 3}, until=until)

    assert stock(vacuum) == {"on_hand": 3, "reserved": 3, "available": 0}
    with pytest.raises(inventory.OutOfStock):
        inventory.reserve(order=make_order(), quantities={vacuum.pk: 1}, until=until)


def test_a_sold_out_variant_cannot_be_reserved(make_order, air_fryer, until):
    with pytest.raises(inventory.OutOfStock):
        inventory.reserve(order=make_order(), quantities={air_fryer.pk: 1}, until=until)

    assert stock(air_fryer) == {"on_hand": 0, "reserved": 0, "available": 0}


def test_an_order_short_on_one_variant_holds_none_once_its_transaction_rolls_back(
    make_order, headphones, vacuum, until
):
    order = make_order()

    with pytest.raises(inventory.OutOfStock), transaction.atomic():
        inventory.reserve(order=order, quantities={headphones.pk: 2, vacuum.pk: 4}, until=until)

    assert stock(headphones) == {"on_hand": 40, "reserved": 0, "available": 40}
    assert stock(vacuum) == {"on_hand": 3, "reserved": 0, "available": 3}
    assert not order.reservations.exists()


def test_a_competing_reservation_just_before_the_update_wins_the_last_units(
    make_order, vacuum, until
):
    # given a buyer who is about to take 2 of the 3 units
    buyer, competitor = make_order(), make_order()

    # when another buyer takes 2 units exactly between that decision and the conditional update
    def compete():
        inventory.reserve(order=competitor, quantities={vacuum.pk: 2}, until=until)

    with run_before_stock_update(compete), pytest.raises(inventory.OutOfStock):
        inventory.reserve(order=buyer, quantities={vacuum.pk: 2}, until=until)

    # then only the competitor holds units, and no unit is held twice
    assert stock(vacuum) == {"on_hand": 3, "reserved": 2, "available": 1}
    assert competitor.reservations.get().quantity == 2
    assert not buyer.reservations.exists()


# --- sell -----------------------------------------------------------------------------------------


def test_selling_turns_the_reservation_into_a_sale(make_order, vacuum, until):
    order = make_order()
    inventory.reserve(order=order, quantities={vacuum.pk: 2}, until=until)

    inventory.sell(order=order)

    assert stock(vacuum) == {"on_hand": 1, "reserved": 0, "available": 1}
    assert order.reservations.get().state == SOLD


def test_selling_twice_moves_stock_once(make_order, vacuum, until):
    order = make_order()
    inventory.reserve(order=order, quantities={vacuum.pk: 2}, until=until)

    inventory.sell(order=order)
    inventory.sell(order=order)

    assert stock(vacuum) == {"on_hand": 1, "reserved": 0, "available": 1}


def test_selling_after_release_takes_the_units_again_from_free_stock(make_order, vacuum, until):
    order = make_order()
    reservations = inventory.reserve(order=order, quantities={vacuum.pk: 2}, until=until)
    inventory.release(reservations=reservations)

    inventory.sell(order=order)

    assert stock(vacuum) == {"on_hand": 1, "reserved": 0, "available": 1}
    assert order.reservations.get().state == SOLD


def test_selling_after_release_fails_when_the_units_went_to_someone_else(make_order, vacuum, until):
    # given an order whose 2 units were released, then held by another buyer (2 of 3 units)
    late = make_order()
    inventory.release(
        reservations=inventory.reserve(order=late, quantities={vacuum.pk: 2}, until=until)
    )
    inventory.reserve(order=make_order(), quantities={vacuum.pk: 2}, until=until)

    # when the late order is paid anyway
    with pytest.raises(inventory.OutOfStock) as refused, transaction.atomic():
        inventory.sell(order=late)

    # then nothing moves: the other buyer keeps their units, the stock is untouched
    assert refused.value.variant_id == vacuum.pk
    assert stock(vacuum) == {"on_hand": 3, "reserved": 2, "available": 1}
    assert late.reservations.get().state == RELEASED


def test_selling_a_released_order_never_takes_units_held_by_another_buyer(
    make_order, vacuum, until
):
    # given an order whose 2 units were released while its buyer paid
    late, competitor = make_order(), make_order()
    inventory.release(
        reservations=inventory.reserve(order=late, quantities={vacuum.pk: 2}, until=until)
    )

    # when another buyer holds 2 units exactly before the late sale's conditional update
    def compete():
        inventory.reserve(order=competitor, quantities={vacuum.pk: 2}, until=until)

    with (
        run_before_stock_update(compete),
        pytest.raises(inventory.OutOfStock),
        transaction.atomic(),
    ):
        inventory.sell(order=late)

    # then the late order sells nothing
    assert stock(vacuum)["on_hand"] == 3
    assert late.reservations.get().state == RELEASED


def test_stock_is_never_negative_nor_below_the_reserved_units(make_order, vacuum, until):
    orders = [make_order() for _ in range(5)]
    for order in orders:
        try:
            inventory.reserve(order=order, quantities={vacuum.pk: 1}, until=until)
        except inventory.OutOfStock:
            continue
    for order in orders:
        inventory.sell(order=order)

    assert stock(vacuum) == {"on_hand": 0, "reserved": 0, "available": 0}
    assert Reservation.objects.filter(state=SOLD).count() == 3


# --- release --------------------------------------------------------------------------------------


def test_releasing_gives_the_units_back(make_order, vacuum, until):
    reservations = inventory.reserve(order=make_order(), quantities={vacuum.pk: 2}, until=until)

    assert inventory.release(reservations=reservations) == 1

    assert stock(vacuum) == {"on_hand": 3, "reserved": 0, "available": 3}
    assert Reservation.objects.get().state == RELEASED


def test_releasing_twice_gives_the_units_back_once(make_order, vacuum, until):
    order = make_order()
    inventory.reserve(order=order, quantities={vacuum.pk: 2}, until=until)
    inventory.reserve(order=make_order(), quantities={vacuum.pk: 1}, until=until)

    inventory.release(reservations=list(order.reservations.all()))
    # a second release, e.g. from a stale copy of the reservations, changes nothing
    assert inventory.release(reservations=list(order.reservations.all())) == 0
    assert inventory.release(reservations=list(Reservation.objects.filter(order=order))) == 0

    assert stock(vacuum) == {"on_hand": 3, "reserved": 1, "available": 2}


def test_a_sold_reservation_is_not_released(make_order, vacuum, until):
    order = make_order()
    reservations = inventory.reserve(order=order, quantities={vacuum.pk: 2}, until=until)
    inventory.sell(order=order)

    assert inventory.release(reservations=reservations) == 0

    assert stock(vacuum) == {"on_hand": 1, "reserved": 0, "available": 1}
    assert order.reservations.get().state == SOLD


# --- a variant count overwritten before catalog/stock.py was its only writer ------------------------


@pytest.fixture
def uncounted_hold(make_order, vacuum, until):
    """An order holding 2 units that the variant no longer counts as held: an admin save from
    before catalog/stock.py wrote back `reserved = 0` from a stale copy."""
    order = make_order()
    inventory.reserve(order=order, quantities={vacuum.pk: 2}, until=until)
    Variant.objects.filter(pk=vacuum.pk).update(reserved=0)
    return order


def test_selling_a_hold_the_variant_does_not_count_takes_free_units(uncounted_hold, vacuum):
    inventory.sell(order=uncounted_hold)

    assert stock(vacuum) == {"on_hand": 1, "reserved": 0, "available": 1}
    assert uncounted_hold.reservations.get().state == SOLD


def test_releasing_a_hold_the_variant_does_not_count_never_goes_below_zero(uncounted_hold, vacuum):
    assert inventory.release(reservations=list(uncounted_hold.reservations.all())) == 1

    assert stock(vacuum) == {"on_hand": 3, "reserved": 0, "available": 3}
    assert uncounted_hold.reservations.get().state == RELEASED
