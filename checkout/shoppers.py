"""Who is buying: a signed-in user, or a guest; and from which platform.

A guest is known by a random key kept in their session's data. Unlike the session's own key, which
Django changes at sign-in, it survives signing in, so the guest's cart and orders follow them into
their account (`guest_claim`, on `user_logged_in`). A viewer who verified their email also gets the
guest orders placed with that address, from any browser (`email_claim`).
"""

import secrets
from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest

from accounts.email_addresses import email_key
from accounts.selectors import verified_email
from checkout.models import Cart, CartLine, Order

GUEST_KEY = "checkout_guest"


@dataclass(frozen=True)
class Shopper:
    user: AbstractBaseUser | None
    session_key: str  # the guest's key (see guest_key), "" for a signed-in user
    platform: str
    ip: str = ""  # the address the shopper buys from (infrastructure/client_address.py)

    def owns(self, prefix: str = "") -> Q:
        """Filter for the carts and orders (through `prefix`) that belong to this shopper."""
        if self.user is not None:
            return Q(**{f"{prefix}user": self.user})
        if not self.session_key:
            return Q(pk__in=[])  # a guest who never bought owns nothing
        return Q(**{f"{prefix}user__isnull": True, f"{prefix}session_key": self.session_key})


def guest_key(request: HttpRequest, *, create: bool = True) -> str:
    """This browser's guest key, kept in the session; made on first use unless `create` is off
    ("" then: a viewer who only looks costs no session write)."""
    key = request.session.get(GUEST_KEY)
    if not isinstance(key, str) or not key:
        if not create:
            return ""
        key = request.session[GUEST_KEY] = secrets.token_urlsafe(24)
    return key


def guest_claim(*, user: AbstractBaseUser, key: str) -> int:
    """Give a guest's orders and carts to the account they signed in to. Returns how many orders.

    A show (or shop) for which the account already has a cart keeps the account's lines, plus the guest's
    lines for other options.
    """
    if not key:
        return 0
    with transaction.atomic():
        claimed = Order.objects.filter(user__isnull=True, session_key=key).update(
            user=user, session_key=""
        )
        for cart in Cart.objects.select_for_update().filter(user__isnull=True, session_key=key):
            mine = Cart.objects.filter(
                user=user, event_id=cart.event_id, merchant_id=cart.merchant_id
            ).first()
            if mine is None:
                Cart.objects.filter(pk=cart.pk).update(user=user, session_key="")
                continue
            have = mine.lines.values("variant_id")
            CartLine.objects.filter(cart=cart).exclude(variant_id__in=have).update(cart=mine)
            cart.delete()
    return claimed


def email_claim(*, user: AbstractBaseUser) -> int:
    """Give an account the guest orders placed with the email it verified (accounts), and only
    that one: an account whose address is not verified gets nothing. Returns how many orders."""
    email = verified_email(user)
    if not email:
        return 0
    # Exactly its key, never a case-folded look-alike (accounts/email_addresses.py).
    return Order.objects.filter(user__isnull=True, email_key=email_key(email)).update(
        user=user, session_key=""
    )
