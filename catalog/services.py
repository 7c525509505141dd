"""Writes for merchants and onboarding. Images live in images.py, CSV in catalog_csv.py."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.text import slugify

from accounts.selectors import account_exists
from catalog.local_time import DEFAULT_TIME_ZONE
from catalog.models import Membership, Merchant, MerchantApplication
from infrastructure.site_url import absolute_url

User = get_user_model()


class ApplicationAlreadyReviewed(ValidationError):
    def __init__(self, application: MerchantApplication):
        super().__init__(
            f"This application was already {application.get_status_display().lower()}.",
            code="already_reviewed",
        )


@dataclass(frozen=True)
class Approval:
    merchant: Merchant
    owner: AbstractBaseUser


def application_submit(
    *,
    business_name: str,
    website: str,
    contact_name: str,
    contact_email: str,
    what_they_sell: str,
    time_zone: str = DEFAULT_TIME_ZONE,
) -> MerchantApplication:
    application = MerchantApplication.objects.create(
        business_name=business_name,
        website=website,
        contact_name=contact_name,
        contact_email=contact_email,
        what_they_sell=what_they_sell,
        time_zone=time_zone,
    )
    transaction.on_commit(
        lambda: _email(
            application.contact_email,
            "We received your application to sell on Liveshop",
            "catalog/email/application_received.txt",
            {"application": application},
        )
    )
    return application


def merchant_save(*, merchant: Merchant, changed: Iterable[str]) -> None:
    """Save a merchant's profile edited in the Shopping Manager (`changed`: the fields that
    changed); verifying a merchant, or taking it back (platform staff), stamps when."""
    if "is_verified" in changed:
        merchant.verified_at = timezone.now() if merchant.is_verified else None
    merchant.save()


def merchant_slug_suggest(name: str) -> str:
    """A free slug for a new merchant named `name` (the reviewer may still change it)."""
    base = slugify(name)[:50] or "merchant"
    slug, n = base, 2
    while Merchant.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def application_approve(
    *,
    application: MerchantApplication,
    slug: str,
    reviewer: AbstractBaseUser,
    site: str | None = None,
) -> Approval:
    """Create a verified merchant and its owner account, and email the owner a set-password link.

    `site`: the address the reviewer's request came to (`site_url.site_root(request)`), used for
    the email's links when SITE_URL is unset (development).

    Raises ApplicationAlreadyReviewed, or ValidationError when the slug or the owner's username is
    taken.
    """
    with transaction.atomic():
        application = MerchantApplication.objects.select_for_update().get(pk=application.pk)
        if application.status != MerchantApplication.Status.PENDING:
            raise ApplicationAlreadyReviewed(application)
        if Merchant.objects.filter(slug=slug).exists():
            raise ValidationError({"slug": "A merchant with this slug already exists."})
        email = application.contact_email
        if account_exists(email):
            raise ValidationError(
                f"{email} already has a Liveshop account; ask the applicant for another address."
            )
        now = timezone.now()
        merchant = Merchant.objects.create(
            name=application.business_name,
            slug=slug,
            website=application.website,
            contact_email=email,
            time_zone=application.time_zone,
            is_verified=True,
            verified_at=now,
        )
        first_name, _, last_name = application.contact_name.partition(" ")
        owner = _staff_account_create(email, first_name=first_name, last_name=last_name)
        Membership.objects.create(user=owner, merchant=merchant, role=Membership.Role.OWNER)
        application.status = MerchantApplication.Status.APPROVED
        application.merchant = merchant
        application.reviewed_by = reviewer
        application.reviewed_at = now
        application.save(update_fields=["status", "merchant", "reviewed_by", "reviewed_at"])

    set_password_url = _set_password_url(owner, site=site)
    transaction.on_commit(
        lambda: _email(
            email,
            f"{merchant.name} is approved to sell on Liveshop",
            "catalog/email/application_approved.txt",
            {
                "merchant": merchant,
                "owner": owner,
                "set_password_url": set_password_url,
                "shop_url": absolute_url(merchant.get_absolute_url(), site=site),
            },
        )
    )
    return Approval(merchant=merchant, owner=owner)


def application_reject(
    *, application: MerchantApplication, reason: str, reviewer: AbstractBaseUser
) -> MerchantApplication:
    """Reject with a reason the applicant is emailed. Raises ApplicationAlreadyReviewed."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Give the applicant a reason for the rejection."})
    with transaction.atomic():
        application = MerchantApplication.objects.select_for_update().get(pk=application.pk)
        if application.status != MerchantApplication.Status.PENDING:
            raise ApplicationAlreadyReviewed(application)
        application.status = MerchantApplication.Status.REJECTED
        application.rejection_reason = reason
        application.reviewed_by = reviewer
        application.reviewed_at = timezone.now()
        application.save(update_fields=["status", "rejection_reason", "reviewed_by", "reviewed_at"])
    transaction.on_commit(
        lambda: _email(
            application.contact_email,
            "Your application to sell on Liveshop",
            "catalog/email/application_rejected.txt",
            {"application": application},
        )
    )
    return application


def staff_invite(
    *,
    merchant: Merchant,
    email: str,
    role: str,
    invited_by: AbstractBaseUser,
    site: str | None = None,
) -> Membership:
    """Give `email` a staff account at `merchant` and email them a set-password link (on `site`,
    as for application_approve).

    Raises ValidationError when the address already has an account.
    """
    email = User.objects.normalize_email(email).strip()
    if role not in Membership.Role.values:
        raise ValidationError({"role": "Choose a role."})
    with transaction.atomic():
        if account_exists(email):
            raise ValidationError(
                {"email": "This address already has a Liveshop account; use another address."}
            )
        user = _staff_account_create(email)
        membership = Membership.objects.create(user=user, merchant=merchant, role=role)
    set_password_url = _set_password_url(user, site=site)
    transaction.on_commit(
        lambda: _email(
            email,
            f"You are invited to {merchant.name} on Liveshop",
            "catalog/email/staff_invited.txt",
            {
                "merchant": merchant,
                "role": membership.get_role_display(),
                "invited_by": invited_by,
                "set_password_url": set_password_url,
            },
        )
    )
    return membership


def _staff_account_create(email: str, *, first_name: str = "", last_name: str = ""):
    """A Shopping Manager login (`is_staff`) named by its email, with no password until it sets one."""
    return User.objects.create_user(
        username=email,
        email=email,
        password=None,
        first_name=first_name[:150],
        last_name=last_name[:150],
        is_staff=True,
    )


def _set_password_url(user: AbstractBaseUser, *, site: str | None) -> str:
    """A one-time link where a new account chooses its password (Django's reset token)."""
    path = reverse(
        "catalog:set_password",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return absolute_url(path, site=site)


def _email(to: str, subject: str, template: str, context: dict) -> None:
    send_mail(subject, render_to_string(template, context), None, [to])
