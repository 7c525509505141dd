"""Closing an unpaid order: its held stock goes back, and its payment is stopped."""

from django.db import transaction
from django.utils import timezone

from catalog.models import Variant
from catalog.signals import stock_changed_on_commit
from checkout import inventory, tasks
from checkout.models import Order, Reservation

Status = Order.Status


def order_release(order: Order, *, reason: str, status: str = Status.CANCELLED) -> None:
    """Inside a transaction, with the order locked: stock back, order closed."""
    reservations = list(order.reservations.filter(state=Reservation.State.HELD))
    inventory.release(reservations=reservations)
    Order.objects.filter(pk=order.pk).update(status=status, status_reason=reason)
    order.status, order.status_reason = status, reason
    stock_changed_on_commit(
        Variant.objects.filter(pk__in=[r.variant_id for r in reservations]).values_list(
            "product_id", flat=True
        )
    )


def orders_release_expired(*, now=None) -> int:
    """Cancel orders whose reservation ran out, giving their stock back. Returns how many.

    Runs every minute as a task (checkout.tasks), and before each checkout; safe to run twice at
    once. Their payments are then cancelled by tasks, queued once the orders are committed."""
    now = now or timezone.now()
    expired = list(
        Order.objects.filter(status=Status.PENDING_PAYMENT, reserved_until__lte=now).values_list(
            "pk", flat=True
        )
    )
    released = []
    for pk in expired:
        with transaction.atomic():
            order = Order.objects.select_for_update().get(pk=pk)
            if order.status == Status.PENDING_PAYMENT and order.reserved_until <= now:
                order_release(order, reason="The reservation expired before payment.")
                released.append(order)
    for order in released:
        if order.payment_intent_id:
            tasks.enqueue(tasks.cancel_intent, intent_id=order.payment_intent_id)
    return len(released)
