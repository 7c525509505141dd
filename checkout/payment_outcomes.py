"""What a payment provider tells us happened to a payment, applied once; and the refunds it leads to.

Events come from Stripe's signed webhook (checkout/webhooks.py) or from the test-mode payment form.
Each is stored by its id in the same transaction as its effect: a second delivery, even a concurrent
one, fails on the unique id and changes nothing. Any other failure rolls everything back and is
raised, so the webhook answers 500 and the provider delivers the event again. What follows from an
event and talks to a neighbour (a refund, an email) is a task (checkout/tasks.py), queued after
the commit.
"""

from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from catalog.signals import stock_changed_on_commit
from checkout import inventory, tasks
from checkout.cart import deal_limit_passed
from checkout.errors import CheckoutError
from checkout.models import CartLine, Order, PaymentEvent
from checkout.payments import get_provider
from checkout.release import order_release
from checkout.shoppers import Shopper
from checkout.storefronts import Storefront

Status = Order.Status
# The statuses of an order whose payment went through (settled, whatever happened next).
SETTLED = (Status.PAID, Status.PARTIALLY_REFUNDED, Status.REFUNDED, Status.DISPUTED)


def payment_event_apply(
    *, event_id: str, event_type: str, intent_id: str, data: dict | None = None
) -> str:
    """Apply a payment provider's event exactly once, whatever the order of delivery.

    `data` is the event's object (a charge's `amount_refunded`, a dispute's `status`). Returns what
    happened; raises whatever a handler raised (nothing is then recorded, so a retry applies it).
    """
    handler = _HANDLERS.get(event_type)
    if handler is None:
        return "ignored"
    if PaymentEvent.objects.filter(event_id=event_id).exists():
        return "duplicate"
    after_commit: list[Callable[[], None]] = []
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(payment_intent_id=intent_id).first()
        try:
            with transaction.atomic():  # only this insert's failure means "seen before"
                PaymentEvent.objects.create(event_id=event_id, type=event_type, order=order)
        except IntegrityError:
            return "duplicate"
        if order is None:
            return "unknown payment"
        outcome = handler(order, data or {}, after_commit)
    for action in after_commit:
        action()
    return outcome


def _on_succeeded(order: Order, data: dict, after_commit: list) -> str:
    if order.status in SETTLED:
        return "already settled"
    if mismatch := _amount_mismatch(order, data):
        reason = f"The payment ({mismatch}) did not match the order; it is refunded."
        return _refunded_instead(order, reason, after_commit, outcome="amount differs, refunding")
    if deal := deal_limit_passed(order):
        reason = (
            f"This deal is limited to {deal.per_customer_limit} per customer; "
            "your payment is refunded."
        )
        return _refunded_instead(order, reason, after_commit, outcome="over the limit, refunding")
    try:
        with transaction.atomic():
            inventory.sell(order=order)
    except inventory.OutOfStock:
        # The reservation expired and the units were sold to someone else: give the money back.
        reason = "Sold out while you paid; your payment is refunded."
        return _refunded_instead(order, reason, after_commit, outcome="sold out, refunding")
    Order.objects.filter(pk=order.pk).update(
        status=Status.PAID, paid_at=timezone.now(), status_reason=""
    )
    order.status = Status.PAID
    CartLine.objects.filter(
        Q(cart__user=order.user)
        if order.user_id
        else Q(cart__session_key=order.session_key, cart__user=None),
        cart__event_id=order.event_id,
        variant_id__in=order.lines.values("variant_id"),
    ).delete()
    stock_changed_on_commit(order.lines.values_list("variant__product_id", flat=True))
    after_commit.append(
        lambda: tasks.enqueue(tasks.order_email_send, order_pk=order.pk, kind="paid")
    )
    return "paid"


def _amount_mismatch(order: Order, data: dict) -> str:
    """What the provider says was received, when it is not the order's total in its currency
    ("" when it is, or when the event says nothing of it: the test-mode form)."""
    received, currency = data.get("amount_received"), data.get("currency")
    if received is None and currency is None:
        return ""
    if received == order.total and str(currency).lower() == order.currency.lower():
        return ""
    return f"{received} {str(currency).upper()} for {order.total} {order.currency}"


def _refunded_instead(order: Order, reason: str, after_commit: list, *, outcome: str) -> str:
    """A payment that went through for an order that may not be sold: it is cancelled (its held
    stock back), and a task gives the money back (refund_sold_out). Returns `outcome`."""
    if order.status == Status.PENDING_PAYMENT:
        order_release(order, reason=reason)
    else:
        Order.objects.filter(pk=order.pk).update(status=Status.CANCELLED, status_reason=reason)
    after_commit.append(lambda: tasks.enqueue(tasks.refund_sold_out, order_pk=order.pk))
    return outcome


def _on_failed(order: Order, data: dict, after_commit: list) -> str:
    if order.status != Status.PENDING_PAYMENT:
        return "not pending"
    order_release(order, reason="The payment did not go through.")
    return "released"


def _on_canceled(order: Order, data: dict, after_commit: list) -> str:
    if order.status != Status.PENDING_PAYMENT:
        return "not pending"
    order_release(order, reason="The payment was cancelled.")
    return "released"


def _on_refunded(order: Order, data: dict, after_commit: list) -> str:
    """A charge was refunded, wholly or in part (`amount_refunded` is the running total)."""
    refunded = data.get("amount_refunded")
    if not isinstance(refunded, int) or isinstance(refunded, bool) or refunded <= 0:
        refunded = order.total  # an event without an amount refunds everything
    refunded = min(refunded, order.total)
    if order.status == Status.REFUNDED or refunded <= order.amount_refunded:
        return "already refunded"
    if refunded < order.total:
        if order.status == Status.PENDING_PAYMENT:
            _on_succeeded(order, data, after_commit)  # the charge was made: the sale stands
        Order.objects.filter(pk=order.pk).update(
            status=Status.PARTIALLY_REFUNDED if order.status != Status.DISPUTED else order.status,
            amount_refunded=refunded,
        )
        return "partially refunded"
    if order.status == Status.PENDING_PAYMENT:
        order_release(order, reason="Refunded.", status=Status.REFUNDED)
    Order.objects.filter(pk=order.pk).update(status=Status.REFUNDED, amount_refunded=refunded)
    return "refunded"


def _on_dispute_created(order: Order, data: dict, after_commit: list) -> str:
    reason = str(data.get("reason") or "").replace("_", " ")
    Order.objects.filter(pk=order.pk).update(
        status=Status.DISPUTED,
        status_reason=f"The buyer's bank disputes this payment ({reason})."
        if reason
        else "The buyer's bank disputes this payment.",
    )
    return "disputed"


def _on_dispute_closed(order: Order, data: dict, after_commit: list) -> str:
    if data.get("status") == "won":
        back = Status.PARTIALLY_REFUNDED if order.amount_refunded else Status.PAID
        Order.objects.filter(pk=order.pk).update(
            status=back, status_reason="A dispute was closed in your favour."
        )
        return "dispute won"
    Order.objects.filter(pk=order.pk).update(
        status=Status.DISPUTED, status_reason="The dispute was lost: the payment was returned."
    )
    return "dispute lost"


_HANDLERS = {
    "payment_intent.succeeded": _on_succeeded,
    "payment_intent.payment_failed": _on_failed,
    "payment_intent.canceled": _on_canceled,
    "charge.refunded": _on_refunded,
    "charge.dispute.created": _on_dispute_created,
    "charge.dispute.closed": _on_dispute_closed,
}


# --- Refunds -------------------------------------------------------------------------------------


def _awaiting_refund(orders):
    """Orders whose payment succeeded but that were not sold (sold out meanwhile, past a deal's
    limit, another amount), not refunded yet."""
    return orders.filter(
        status=Status.CANCELLED, payment_events__type="payment_intent.succeeded"
    ).distinct()


def refunds_retry(*, orders) -> int:
    """Ask again for the refunds of paid-but-sold-out orders whose refund failed: a task each.
    Returns how many were queued; only orders whose payment succeeded and that are not refunded
    yet qualify."""
    attempt = f"retry-{int(timezone.now().timestamp())}"
    pending = list(_awaiting_refund(orders).values_list("pk", flat=True))
    for pk in pending:
        tasks.enqueue(tasks.refund_sold_out, order_pk=pk, attempt=attempt)
    return len(pending)


def refund_sold_out(*, order_pk: int, attempt: str = "") -> bool:
    """Give back the money of an order that could not be sold when its payment went through (sold
    out while its buyer paid, past a deal's limit, another amount), then email the buyer.

    Run by a task (checkout.tasks.refund_sold_out), which retries it. Returns False, doing nothing,
    when the order is not awaiting a refund (any more), so running it twice refunds once. Raises
    PaymentError when the provider could not be reached or refused.
    """
    order = _awaiting_refund(Order.objects.filter(pk=order_pk)).first()
    if order is None:
        return False
    provider = get_provider()
    provider.refund(order=order, attempt=attempt)
    if provider.name == "test":  # no webhook will come: settle it here
        payment_event_apply(
            event_id=f"test-refund-{order.number}",
            event_type="charge.refunded",
            intent_id=order.payment_intent_id,
            data={"amount_refunded": order.total},
        )
    tasks.enqueue(tasks.order_email_send, order_pk=order.pk, kind="refunded")
    return True


# --- The test-mode payment form -------------------------------------------------------------------


def pay_in_test_mode(*, order: Order, shopper: Shopper, succeed: bool) -> str:
    """The test-mode provider's payment form: settle the payment as a webhook would."""
    if order.payment_provider != "test" or get_provider().name != "test":
        raise CheckoutError("This order is not paid in test mode.")
    if not Order.objects.filter(shopper.owns(), pk=order.pk).exists():
        raise CheckoutError("That order does not exist.")
    Storefront.of_order(order).require_can_buy(shopper.platform)
    # A real card is charged once per attempt: a declined or replaced order cannot be paid later.
    if not Order.objects.filter(pk=order.pk, status=Status.PENDING_PAYMENT).exists():
        raise CheckoutError("This order is no longer waiting for payment; check out again.")
    kind = "payment_intent.succeeded" if succeed else "payment_intent.payment_failed"
    return payment_event_apply(
        event_id=f"test-{kind}-{order.number}", event_type=kind, intent_id=order.payment_intent_id
    )
