"""The emails a buyer gets about an order."""

from django.core.mail import send_mail
from django.template.loader import render_to_string

from checkout.models import Order

ORDER_EMAILS = {
    "paid": ("checkout/email/order_paid.txt", "Your Liveshop order is confirmed"),
    "refunded": (
        "checkout/email/order_refunded.txt",
        "Your Liveshop order could not be completed",
    ),
}


def order_email_send(*, order_pk: int, kind: str) -> None:
    """Send the `kind` email ("paid", "refunded") about an order to its buyer."""
    template, subject = ORDER_EMAILS[kind]
    order = (
        Order.objects.prefetch_related("lines").select_related("event", "merchant").get(pk=order_pk)
    )
    send_mail(subject, render_to_string(template, {"order": order}), None, [order.email])
