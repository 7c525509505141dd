"""The only code that moves stock: reserve, sell, release.

`Variant.stock_on_hand` is what the merchant has; `Variant.reserved` is what shoppers who are paying
hold; a viewer can buy `stock_on_hand - reserved`. Every move is one conditional UPDATE, so two
buyers can never take the same unit, on PostgreSQL or SQLite, without reading stock first. When
several variants move together they are taken in primary-key order, so two orders never wait on
each other. Call these inside the caller's transaction, and never around a payment provider call.
"""

from collections.abc import Iterable
from datetime import datetime

from django.db.models import F

from catalog.models import Variant
from checkout.models import Order, Reservation


class OutOfStock(Exception):
    def __init__(self, variant_id: int):
        super().__init__(f"Variant {variant_id} does not have enough stock.")
        self.variant_id = variant_id


def reserve(*, order: Order, quantities: dict[int, int], until: datetime) -> list[Reservation]:
    """Hold `quantities` ({variant_id: units}) for `order` until `until`. Raises OutOfStock."""
    reservations = []
    for variant_id, quantity in sorted(quantities.items()):
        held = Variant.objects.filter(
            pk=variant_id, stock_on_hand__gte=F("reserved") + quantity
        ).update(reserved=F("reserved") + quantity)
        if not held:
            raise OutOfStock(variant_id)
        reservations.append(
            Reservation(order=order, variant_id=variant_id, quantity=quantity, expires_at=until)
        )
    return Reservation.objects.bulk_create(reservations)


def sell(*, order: Order) -> None:
    """Turn the order's reservations into sales.

    A reservation that was already released (it expired while the buyer paid) is taken again from
    the stock that is free now. Raises OutOfStock when that stock is gone; the caller's transaction
    must then roll back, leaving every variant as it was.
    """
    for reservation in order.reservations.exclude(state=Reservation.State.SOLD).order_by(
        "variant_id"
    ):
        if _move(reservation, Reservation.State.HELD, Reservation.State.SOLD):
            Variant.objects.filter(pk=reservation.variant_id).update(
                stock_on_hand=F("stock_on_hand") - reservation.quantity,
                reserved=F("reserved") - reservation.quantity,
            )
        elif _move(reservation, Reservation.State.RELEASED, Reservation.State.SOLD):
            sold = Variant.objects.filter(
                pk=reservation.variant_id,
                stock_on_hand__gte=F("reserved") + reservation.quantity,
            ).update(stock_on_hand=F("stock_on_hand") - reservation.quantity)
            if not sold:
                raise OutOfStock(reservation.variant_id)


def release(*, reservations: Iterable[Reservation]) -> int:
    """Give held units back. Safe to call twice: only a reservation still held moves."""
    released = 0
    for reservation in sorted(reservations, key=lambda r: r.variant_id):
        if _move(reservation, Reservation.State.HELD, Reservation.State.RELEASED):
            Variant.objects.filter(pk=reservation.variant_id).update(
                reserved=F("reserved") - reservation.quantity
            )
            released += 1
    return released


def _move(reservation: Reservation, from_state: str, to_state: str) -> bool:
    """Change a reservation's state only if it is still `from_state` (one conditional UPDATE)."""
    moved = Reservation.objects.filter(pk=reservation.pk, state=from_state).update(state=to_state)
    if moved:
        reservation.state = to_state
    return bool(moved)
