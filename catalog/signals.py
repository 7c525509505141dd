"""Signals other apps listen to, so the catalog need not know about them."""

from collections.abc import Iterable

from django.db import transaction
from django.dispatch import Signal

# Sent after the commit, with `product_ids`: the products whose variants' stock changed.
# Live shows listen to tell their viewers ("Only 3 left", "Sold out").
stock_changed = Signal()


def stock_changed_on_commit(product_ids: Iterable[int]) -> None:
    product_ids = set(product_ids)
    if product_ids:
        # robust: a listener that fails (Redis down) is logged and never fails the committed sale.
        transaction.on_commit(
            lambda: stock_changed.send(sender=None, product_ids=product_ids), robust=True
        )
