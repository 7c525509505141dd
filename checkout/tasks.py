"""Checkout's background work: what a request does not need to wait for.

Refunds, order emails and payment cancels talk to neighbours that can be slow or down (Stripe, the
mail server), and the sweep of expired reservations runs every minute on celery beat
(CELERY_BEAT_SCHEDULE), so stock held by abandoned checkouts comes back without anyone visiting.

Each task calls one service, imported inside the task: the services queue these tasks, so importing
them at the top would be a cycle (the HackSoft styleguide's pattern). Every task may run twice and
still act once: a task is acknowledged only after it ran (a worker that dies mid-task leaves it to
another), and a retry may follow a try that did get through. A failure that may pass (the provider
or the mail server unreachable) is retried with exponential backoff and jitter.

Queue a task with `enqueue` (infrastructure/background.py) once the data it reads is committed.
"""

import logging
import smtplib

from celery import shared_task

from checkout.payments import PaymentError
from infrastructure.background import BACKOFF, BackgroundTask, enqueue

__all__ = ["enqueue"]  # the services queue these tasks with tasks.enqueue

log = logging.getLogger(__name__)


@shared_task(
    base=BackgroundTask, bind=True, autoretry_for=(PaymentError,), max_retries=8, **BACKOFF
)
def refund_sold_out(self, *, order_pk: int, attempt: str = "") -> bool:
    """Refund an order that sold out while its buyer paid; see payment_outcomes.refund_sold_out."""
    from checkout.payment_outcomes import refund_sold_out

    # Stripe answers a key it has seen with its first answer, errors included, so each retry asks
    # with a key of its own; a refund that did go through is then refused as already refunded,
    # which counts as done.
    retry = f"try{self.request.retries}" if self.request.retries else ""
    try:
        return refund_sold_out(order_pk=order_pk, attempt="-".join(filter(None, [attempt, retry])))
    except PaymentError:
        if self.request.is_eager or self.request.retries >= self.max_retries:
            log.exception(
                "Refund of order pk=%s failed; retry it from the admin's order list", order_pk
            )
        raise


@shared_task(
    base=BackgroundTask,
    bind=True,
    # OSError: the server refused the connection, or did not answer within EMAIL_TIMEOUT.
    autoretry_for=(smtplib.SMTPException, OSError),
    max_retries=8,
    **BACKOFF,
)
def order_email_send(self, *, order_pk: int, kind: str) -> None:
    """Send an order's `kind` email once; see emails.order_email_send."""
    from checkout.emails import order_email_send

    order_email_send(order_pk=order_pk, kind=kind)


@shared_task(
    base=BackgroundTask, bind=True, autoretry_for=(PaymentError,), max_retries=5, **BACKOFF
)
def cancel_intent(self, *, intent_id: str) -> None:
    """Stop a payment that can no longer complete (its order was released or replaced)."""
    from checkout.payments import get_provider

    get_provider().cancel_intent(intent_id=intent_id)


@shared_task(base=BackgroundTask)
def orders_release_expired() -> int:
    """The sweep: give back the stock of orders whose reservation ran out. Returns how many."""
    from checkout.release import orders_release_expired

    return orders_release_expired()
