"""The link in an order's emails: whoever holds it sees the order without signing in.

Signed with SECRET_KEY, naming the order, and good for ORDER_LINK_MAX_AGE after it was made (when
the email was sent). A link that was altered, or is older, shows nothing of any order.
"""

import uuid
from datetime import timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.urls import reverse

from accounts import selectors as accounts
from checkout.models import Order
from infrastructure.signed_links import LinkExpired, LinkInvalid, SignedLink
from infrastructure.site_url import absolute_url

__all__ = ["LinkExpired", "LinkInvalid"]  # what order_from_link raises

ORDER_LINK_MAX_AGE = timedelta(days=30)
LINK = SignedLink(salt="checkout.order-link", max_age=ORDER_LINK_MAX_AGE)


def order_link_token(order: Order) -> str:
    return LINK.token(str(order.number))


def order_link_url(order: Order) -> str:
    """The link, on SITE_URL (infrastructure/site_url.py): emails about orders go from Celery tasks."""
    return absolute_url(reverse("checkout:order_link", args=[order_link_token(order)]))


def order_from_link(token: str) -> Order:
    """The order a link names, with its lines. Raises LinkExpired, LinkInvalid, Order.DoesNotExist."""
    value = LINK.value(token)
    try:
        number = uuid.UUID(str(value))
    except ValueError:
        raise LinkInvalid from None
    return (
        Order.objects.select_related("merchant", "event")
        .prefetch_related("lines")
        .get(number=number)
    )


def keep_offer(order: Order, user: AbstractBaseUser) -> str:
    """How the person looking can keep this order in an account:

    - "yours": it is in the signed-in viewer's orders;
    - "claim": a guest order with the signed-in viewer's verified email: they may add it;
    - "verify": the same, but their email is not verified yet;
    - "in_an_account": it is in some account (signing in to it shows it);
    - "sign_in": a guest order, and an account uses its email;
    - "sign_up": a guest order, and no account uses its email yet.
    """
    email = order.email.lower()
    if order.user_id is not None:
        return "yours" if order.user_id == user.pk else "in_an_account"
    if user.is_authenticated and user.email.lower() == email:
        verified = accounts.verified_email(user)
        return "claim" if verified and verified.lower() == email else "verify"
    return "sign_in" if accounts.account_exists(order.email) else "sign_up"
