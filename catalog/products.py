"""Writes of a merchant's products from the Shopping Manager: a product's variants as its form
sends them (stock through catalog.stock, live shows told after the commit), one variant from its
own page or list, and the status of many products at once."""

from collections.abc import Iterable

from django.db.models import QuerySet
from django.utils import timezone

from catalog import stock
from catalog.models import Product, Variant
from catalog.signals import stock_changed_on_commit


def variant_save(*, variant: Variant, changed: Iterable[str], adding: bool) -> None:
    """Save one variant edited in the Shopping Manager (its own page, or the list's stock
    column); live shows are told after the commit when its stock changed. Raises
    StockBelowReserved."""
    if _written(variant, changed, adding=adding):
        stock_changed_on_commit([variant.product_id])


def product_variants_save(
    *,
    product: Product,
    new: Iterable[Variant],
    changed: Iterable[tuple[Variant, list[str]]],
    deleted: Iterable[Variant],
) -> None:
    """A product's variants as its form sent them: deleted, changed (with the fields that
    changed) and new. Inside the caller's transaction; live shows are told of the stock after the
    commit. Raises StockBelowReserved."""
    new, deleted = list(new), list(deleted)
    for variant in deleted:
        variant.delete()
    stock_moved = bool(new or deleted)
    for variant, fields in changed:
        stock_moved |= _written(variant, fields, adding=False)
    for variant in new:
        _written(variant, [], adding=True)
    if stock_moved:
        stock_changed_on_commit([product.pk])


def _written(variant: Variant, changed: Iterable[str], *, adding: bool) -> bool:
    """A new variant with an INSERT, an existing one through catalog.stock (its stock columns are
    never written from this stale copy). Returns whether stock on hand changed."""
    changed = set(changed)
    if adding:
        variant.save()
        return "stock_on_hand" in changed
    fields = {*changed, "merchant"} if "product" in changed else changed
    return stock.variant_update(variant=variant, fields=fields)


def products_set_status(*, products: QuerySet[Product], status: str) -> int:
    """Set the status of these products (active, draft, archived); returns how many."""
    return products.update(status=status, updated_at=timezone.now())
