"""Writes for viewer accounts: signing up, verifying an email, saving a shipping address."""

import logging
from datetime import timedelta

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.hashers import make_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts import selectors, verification
from accounts.models import SavedAddress, ViewerAccount
from accounts.selectors import ADDRESS_FIELDS
from accounts.signals import email_verified
from infrastructure.site_url import absolute_url

log = logging.getLogger(__name__)
User = get_user_model()

# An address gets at most one "you already have an account" email (or repeated link) this often,
# however many sign-ups name it: sign-up must not become a way to fill someone's inbox.
REPEAT_NOTICE_EVERY = timedelta(minutes=10)


class VerificationRefused(Exception):
    """The link's account is gone, inactive, or no longer has the address the link names."""


def viewer_sign_up(
    *, email: str, password: str, site: str | None = None, next_url: str = ""
) -> AbstractBaseUser | None:
    """Sign up `email`, answering alike whether or not it has an account, so that signing up
    tells nobody which addresses do (account enumeration): only the mailbox learns.

    A new address gets a viewer account, named by `email` in lower case, that signs in once its
    owner opens the link emailed to it (on `site`, the address their request came to:
    infrastructure/site_url.py; the link goes on to `next_url`). An address that already has an
    account (in any case; a viewer's or merchant staff's) gets an email saying so instead, or, if
    it is a viewer's still unverified, a new link. Returns the new user, else None. Raises
    ValidationError {"password": [...]} when a password validator refuses the password (for every
    address alike)."""
    email = User.objects.normalize_email(email).strip()
    username = email.lower()
    try:
        password_validation.validate_password(password, User(username=username, email=email))
    except ValidationError as exc:
        raise ValidationError({"password": exc.error_list}) from None
    existing = selectors.account_named(email)
    if existing is None:
        try:
            with transaction.atomic():
                user = User.objects.create_user(username=username, email=email, password=password)
                ViewerAccount.objects.create(user=user)
        except IntegrityError:  # the same address signed up at the same moment
            existing = selectors.account_named(email)
        else:
            # A mail server that fails does not undo the sign-up: signing up again sends a link.
            transaction.on_commit(
                lambda: verification_email_send(user=user, site=site, next_url=next_url),
                robust=True,
            )
            return user
    make_password(password)  # the time a new account's password hash takes, for every answer
    if existing is not None and existing.email and _first_notice_in_a_while(existing):
        transaction.on_commit(
            lambda: _signed_up_again_notice(existing, site=site, next_url=next_url), robust=True
        )
    return None


def _first_notice_in_a_while(user: AbstractBaseUser) -> bool:
    try:
        return cache.add(
            f"accounts:sign-up-again:{user.pk}", 1, REPEAT_NOTICE_EVERY.total_seconds()
        )
    except Exception:  # the cache is down: the sign-up rate limit per address still holds
        log.warning("Sign-up notice to user %s not throttled", user.pk, exc_info=True)
        return True


def _signed_up_again_notice(user: AbstractBaseUser, *, site: str | None, next_url: str) -> None:
    """Someone signed up with `user`'s address: a viewer who never opened their link gets a new
    one; anyone else is told they already have an account, and how to sign in or reset."""
    if selectors.verification_pending(user):
        verification_email_send(user=user, site=site, next_url=next_url)
        return
    body = render_to_string(
        "accounts/email/account_exists.txt",
        {
            "user": user,
            "sign_in_url": absolute_url(reverse("login"), site=site),
            "reset_url": absolute_url(reverse("password_reset"), site=site),
        },
    )
    send_mail("You already have a Liveshop account", body, None, [user.email])


def verification_email_send(
    *, user: AbstractBaseUser, site: str | None = None, next_url: str = ""
) -> None:
    """Email `user` a link (on `site`, going on to `next_url`) that verifies their current address.
    Raises SMTPException, OSError."""
    body = render_to_string(
        "accounts/email/verify_email.txt",
        {
            "user": user,
            "url": verification.verify_url(user, site=site, next_url=next_url),
            "days": verification.VERIFY_LINK_MAX_AGE.days,
        },
    )
    send_mail("Verify your Liveshop email", body, None, [user.email])


def email_verify(*, user_pk: int, email: str) -> tuple[AbstractBaseUser, bool]:
    """Record that account `user_pk` reads `email` (a verification link was opened). Returns the
    user and whether this verified it now (False: it already was). After the commit, sends
    `email_verified`, on which checkout gives the account the guest orders placed with `email`.
    Raises VerificationRefused."""
    with transaction.atomic():
        account = (
            ViewerAccount.objects.select_for_update()
            .select_related("user")
            .filter(user_id=user_pk)
            .first()
        )
        if account is None or not account.user.is_active:
            raise VerificationRefused
        user = account.user
        if user.email.lower() != email.lower():
            raise VerificationRefused
        if account.verified_email.lower() == email.lower():
            return user, False
        account.verified_email = user.email
        account.verified_at = timezone.now()
        try:
            with transaction.atomic():
                account.save(update_fields=["verified_email", "verified_at"])
        except IntegrityError:  # another account verified this address first
            raise VerificationRefused from None
    transaction.on_commit(
        lambda: email_verified.send(sender=User, user=user, email=user.email), robust=True
    )
    return user, True


def address_save(user: AbstractBaseUser, data: dict) -> SavedAddress:
    """Save `data` as the address `user` ships to, replacing the one they had. `data` is keyed like
    the checkout contact form (shipping_name, shipping_line1, …, optional shipping_phone); other
    keys ("email") are ignored. Raises ValidationError with messages under those same keys."""
    if not user.is_authenticated:
        raise ValueError("Only a signed-in viewer has a saved address.")
    values = {
        field: " ".join(str(data.get(form_field) or "").split())
        for field, form_field in ADDRESS_FIELDS.items()
    }
    values["country"] = values["country"].upper()
    try:
        SavedAddress(user=user, **values).full_clean(exclude=["user"], validate_unique=False)
    except ValidationError as exc:
        raise ValidationError(
            {ADDRESS_FIELDS.get(field, field): errors for field, errors in exc.message_dict.items()}
        ) from None
    address, _ = SavedAddress.objects.update_or_create(user=user, defaults=values)
    return address
