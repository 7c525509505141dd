"""Reservations, the only code in checkout that moves stock: reserve, sell, release.

A Reservation is the units an order holds; `Variant.reserved` counts the units of every held
reservation. Each stock move is one conditional UPDATE in catalog/stock.py (the one writer of the
stock columns; its docstring states the invariant), so two buyers can never take the same unit, on
PostgreSQL or SQLite, without reading stock first. A reservation changes state by a conditional
UPDATE too, so its units move once even when two callers race. When several variants move together
they are taken in primary-key order, so two orders never wait on each other. Call these inside the
caller's transaction, and never around a payment provider call.
"""

import logging
from collections.abc import Iterable
from datetime import datetime

from catalog import stock
from checkout.models import Order, Reservation

log = logging.getLogger(__name__)


class OutOfStock(Exception):
    def __init__(self, variant_id: int):
        super().__init__(f"Variant {variant_id} does not have enough stock.")
        self.variant_id = variant_id


def reserve(*, order: Order, quantities: dict[int, int], until: datetime) -> list[Reservation]:
    """Hold `quantities` ({variant_id: units}) for `order` until `until`. Raises OutOfStock.

    The stock UPDATEs come last: each locks its variant's row until the caller commits, and in a
    flash sale every buyer queues on that one row, so nothing else runs while it is held. (On
    PostgreSQL the reservations' foreign keys take a key-share lock on the row, which neither waits
    for nor blocks the UPDATE's.)
    """
    reservations = Reservation.objects.bulk_create(
        Reservation(order=order, variant_id=variant_id, quantity=quantity, expires_at=until)
        for variant_id, quantity in sorted(quantities.items())
    )
    held = []
    for variant_id, quantity in sorted(quantities.items()):
        if not stock.hold(variant_id=variant_id, quantity=quantity):
            # Refused: nothing stays held, not even by a caller that goes on.
            for done_id, done_quantity in held:
                stock.unhold(variant_id=done_id, quantity=done_quantity)
            Reservation.objects.filter(pk__in=[r.pk for r in reservations]).delete()
            raise OutOfStock(variant_id)
        held.append((variant_id, quantity))
    return reservations


def sell(*, order: Order) -> None:
    """Turn the order's reservations into sales.

    A reservation that was already released (it expired while the buyer paid) is taken again from
    the stock that is free now; so is a held one whose units the variant does not count as held
    (a count that a writer outside catalog/stock.py once overwrote). Raises OutOfStock when that
    stock is gone; the caller's transaction must then roll back, leaving every variant as it was.
    """
    for reservation in order.reservations.exclude(state=Reservation.State.SOLD).order_by(
        "variant_id"
    ):
        variant_id, quantity = reservation.variant_id, reservation.quantity
        if _move(reservation, Reservation.State.HELD, Reservation.State.SOLD):
            if stock.sell_held(variant_id=variant_id, quantity=quantity):
                continue
            log.error("Variant %s held fewer units than reservation %s", variant_id, reservation.pk)
        elif not _move(reservation, Reservation.State.RELEASED, Reservation.State.SOLD):
            continue  # sold by a concurrent call
        # Released, or not counted as held: take the units from what is free now.
        if not stock.sell_free(variant_id=variant_id, quantity=quantity):
            raise OutOfStock(variant_id)


def release(*, reservations: Iterable[Reservation]) -> int:
    """Give held units back. Safe to call twice: only a reservation still held moves."""
    released = 0
    for reservation in sorted(reservations, key=lambda r: r.variant_id):
        if _move(reservation, Reservation.State.HELD, Reservation.State.RELEASED):
            if not stock.unhold(variant_id=reservation.variant_id, quantity=reservation.quantity):
                # Nothing to give back: a writer outside catalog/stock.py once overwrote the count.
                log.error(
                    "Variant %s held fewer units than reservation %s",
                    reservation.variant_id,
                    reservation.pk,
                )
            released += 1
    return released


def _move(reservation: Reservation, from_state: str, to_state: str) -> bool:
    """Change a reservation's state only if it is still `from_state` (one conditional UPDATE)."""
    moved = Reservation.objects.filter(pk=reservation.pk, state=from_state).update(state=to_state)
    if moved:
        reservation.state = to_state
    return bool(moved)
