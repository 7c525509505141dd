"""The link that proves a viewer reads their email: signed, naming the account and the address,
and good for VERIFY_LINK_MAX_AGE. The first time it verifies, it signs the viewer in (accounts/
views.py): a new account signs in no other way until then. A link for an address the account no
longer has verifies nothing."""

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

from django.contrib.auth.base_user import AbstractBaseUser
from django.urls import reverse

from infrastructure.signed_links import LinkExpired, LinkInvalid, SignedLink
from infrastructure.site_url import absolute_url

__all__ = ["LinkExpired", "LinkInvalid"]  # what verify_token_read raises

VERIFY_LINK_MAX_AGE = timedelta(days=3)
LINK = SignedLink(salt="accounts.verify-email", max_age=VERIFY_LINK_MAX_AGE)


@dataclass(frozen=True)
class VerifyRequest:
    user_pk: int
    email: str


def verify_token(user: AbstractBaseUser) -> str:
    return LINK.token({"u": user.pk, "e": user.email})


def verify_url(user: AbstractBaseUser, *, site: str | None = None, next_url: str = "") -> str:
    """The link, on `site` (infrastructure/site_url.py), going on to `next_url` (a path of the
    site, checked again when the link is opened) once it has signed the viewer in."""
    path = reverse("accounts:verify_email", args=[verify_token(user)])
    if next_url:
        path += "?" + urlencode({"next": next_url})
    return absolute_url(path, site=site)


def verify_token_read(token: str) -> VerifyRequest:
    """What a link asks to verify. Raises LinkExpired, LinkInvalid (tampered, not ours)."""
    data = LINK.value(token)
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        raise LinkInvalid
    if not isinstance(data.get("e"), str):
        raise LinkInvalid
    return VerifyRequest(user_pk=data["u"], email=data["e"])
