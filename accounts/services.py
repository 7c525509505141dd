"""Writes for viewer accounts: signing up, verifying an email, saving a shipping address."""

import logging

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from accounts import selectors, verification
from accounts.models import SavedAddress, ViewerAccount
from accounts.selectors import ADDRESS_FIELDS
from accounts.signals import email_verified

log = logging.getLogger(__name__)
User = get_user_model()

EMAIL_TAKEN = "An account with this email already exists. Sign in, or reset your password."


class VerificationRefused(Exception):
    """The link's account is gone, inactive, or no longer has the address the link names."""


def viewer_sign_up(*, email: str, password: str, site: str | None = None) -> AbstractBaseUser:
    """Create a viewer's account, named by `email` in lower case, and email them a link (on `site`,
    the address their request came to: infrastructure/site_url.py) to verify the address, after the
    commit. Raises ValidationError: {"email": ...} when an account already has that address (in
    any case), {"password": [...]} when a password validator refuses it."""
    email = User.objects.normalize_email(email).strip()
    username = email.lower()
    if selectors.account_exists(email):
        raise ValidationError({"email": EMAIL_TAKEN}, code="email_taken")
    try:
        password_validation.validate_password(password, User(username=username, email=email))
    except ValidationError as exc:
        raise ValidationError({"password": exc.error_list}) from None
    try:
        with transaction.atomic():
            user = User.objects.create_user(username=username, email=email, password=password)
            ViewerAccount.objects.create(user=user)
    except IntegrityError:  # the same address signed up at the same moment
        raise ValidationError({"email": EMAIL_TAKEN}, code="email_taken") from None
    # A mail server that fails does not undo the sign-up: the viewer can ask for a new link.
    transaction.on_commit(lambda: verification_email_send(user=user, site=site), robust=True)
    return user


def verification_email_send(*, user: AbstractBaseUser, site: str | None = None) -> None:
    """Email `user` a link (on `site`) that verifies their current address. Raises SMTPException,
    OSError."""
    body = render_to_string(
        "accounts/email/verify_email.txt",
        {
            "user": user,
            "url": verification.verify_url(user, site=site),
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
