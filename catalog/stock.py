"""Variant stock: the only code that writes `Variant.stock_on_hand` and `Variant.reserved`.

`stock_on_hand` is what the merchant has; `reserved` is what shoppers who are paying hold; a viewer
can buy `stock_on_hand - reserved`. The invariant, always: 0 <= reserved <= stock_on_hand (the
database checks it too: `variant_reserved_within_stock`).

Every function here is one conditional UPDATE of one variant row whose condition is the invariant,
so it holds without reading stock first, on PostgreSQL and SQLite, whatever runs at the same time.
A refused move changes nothing and says so: False, or StockBelowReserved. Call these inside the
caller's transaction, and when several variants move together, in primary-key order.

Who calls what:
- checkout/inventory.py, for reservations: hold, unhold, sell_held, sell_free.
- the Shopping Manager and the CSV import, for what the merchant counts: set_on_hand, through
  variant_update.
Everything else that saves an existing variant saves only the columns it changed
(`save(update_fields=...)`, never these two): `Model.save()` writes every column, so a copy read
before a reservation would silently undo it. Creating a variant with its first count is an INSERT
and needs nothing from here.
"""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db.models import F

from catalog.models import Variant

STOCK_FIELDS = frozenset({"stock_on_hand", "reserved"})


class StockBelowReserved(ValidationError):
    """Stock on hand cannot be set below the units shoppers hold."""

    def __init__(self, *, variant_id: int, on_hand: int, reserved: int):
        super().__init__(
            f"{reserved} unit(s) are reserved by shoppers paying now; "
            f"stock on hand can be {reserved} or more.",
            code="below_reserved",
        )
        self.variant_id = variant_id
        self.on_hand = on_hand
        self.reserved = reserved


def hold(*, variant_id: int, quantity: int) -> bool:
    """Hold `quantity` units for a shopper who is paying, if that many are free."""
    return _moved(
        Variant.objects.filter(pk=variant_id, stock_on_hand__gte=F("reserved") + quantity).update(
            reserved=F("reserved") + quantity
        )
    )


def unhold(*, variant_id: int, quantity: int) -> bool:
    """Give `quantity` held units back; refused if the variant holds fewer."""
    return _moved(
        Variant.objects.filter(pk=variant_id, reserved__gte=quantity).update(
            reserved=F("reserved") - quantity
        )
    )


def sell_held(*, variant_id: int, quantity: int) -> bool:
    """`quantity` held units leave the shelf; refused if the variant holds fewer."""
    return _moved(
        Variant.objects.filter(pk=variant_id, reserved__gte=quantity).update(
            stock_on_hand=F("stock_on_hand") - quantity, reserved=F("reserved") - quantity
        )
    )


def sell_free(*, variant_id: int, quantity: int) -> bool:
    """`quantity` units nobody holds leave the shelf, if that many are free."""
    return _moved(
        Variant.objects.filter(pk=variant_id, stock_on_hand__gte=F("reserved") + quantity).update(
            stock_on_hand=F("stock_on_hand") - quantity
        )
    )


def set_on_hand(*, variant_id: int, on_hand: int) -> None:
    """The merchant has `on_hand` units. Raises StockBelowReserved when shoppers hold more."""
    if on_hand < 0:
        raise ValueError(f"Stock on hand cannot be negative ({on_hand}).")
    if Variant.objects.filter(pk=variant_id, reserved__lte=on_hand).update(stock_on_hand=on_hand):
        return
    # Refused: read why, only to say so.
    reserved = Variant.objects.filter(pk=variant_id).values_list("reserved", flat=True).first()
    if reserved is None:
        raise Variant.DoesNotExist(f"Variant {variant_id} no longer exists.")
    raise StockBelowReserved(variant_id=variant_id, on_hand=on_hand, reserved=reserved)


def variant_update(*, variant: Variant, fields: Iterable[str]) -> bool:
    """Write an edit of an existing variant: `fields` names what changed, `variant` holds the new
    values. Stock on hand is set with set_on_hand; the other fields are saved with
    `update_fields`, which never include the stock columns.

    Returns whether stock on hand was set (the caller tells live shows after the commit). Raises
    StockBelowReserved, having written nothing.
    """
    fields = set(fields)
    stock_set = "stock_on_hand" in fields
    if stock_set:
        set_on_hand(variant_id=variant.pk, on_hand=variant.stock_on_hand)
    other = sorted(fields - STOCK_FIELDS)
    if other:
        variant.save(update_fields=other)
    return stock_set


def _moved(rows: int) -> bool:
    return rows == 1
