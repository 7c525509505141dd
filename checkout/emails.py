"""The emails a buyer gets about an order."""

import logging

from django.core.cache import cache
from django.core.mail import send_mail
from django.template.loader import render_to_string

from checkout.models import Order
from checkout.order_links import order_link_url

log = logging.getLogger(__name__)

ORDER_EMAILS = {
    "paid": ("checkout/email/order_paid.txt", "Your Liveshop order is confirmed"),
    "refunded": (
        "checkout/email/order_refunded.txt",
        "Your Liveshop order could not be completed",
    ),
}
# How long a sent email is remembered, so that a task run again does not send it again.
SENT_MEMORY_SECONDS = 7 * 24 * 3600


def order_email_send(*, order_pk: int, kind: str) -> None:
    """Send the `kind` email ("paid", "refunded") about an order to its buyer, once: run again (a
    task delivered twice), it sends nothing. Raises SMTPException or OSError (EMAIL_TIMEOUT passed,
    the server refused): nothing was sent, and the task retries."""
    template, subject = ORDER_EMAILS[kind]
    order = (
        Order.objects.prefetch_related("lines").select_related("event", "merchant").get(pk=order_pk)
    )
    sent = f"order-email-sent:{order.number}:{kind}"
    if _remembered(sent):
        return
    context = {"order": order, "order_url": order_link_url(order)}
    send_mail(subject, render_to_string(template, context), None, [order.email])
    _remember(sent)


# The memory is the cache (Redis in production). Without it, an email may go twice rather than
# not at all.


def _remembered(key: str) -> bool:
    try:
        return cache.get(key) is not None
    except Exception:
        log.warning("Cannot tell whether %s was sent: the cache is unavailable", key)
        return False


def _remember(key: str) -> None:
    try:
        cache.set(key, 1, timeout=SENT_MEMORY_SECONDS)
    except Exception:
        log.warning("Cannot remember that %s was sent: the cache is unavailable", key)
