"""The site's public address, for links that leave it (emails): set-password, invitations.

`SITE_URL` when it is set (production must set it: the check below refuses to start otherwise).
In development without it: the address the request came to, or, where no request is at hand (a
Celery task), http://127.0.0.1:8000, where `make run` serves.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.http import HttpRequest

DEVELOPMENT_SITE = "http://127.0.0.1:8000"


def site_root(request: HttpRequest | None = None) -> str:
    """The scheme and host links start with, without a trailing slash."""
    if settings.SITE_URL:
        return settings.SITE_URL.rstrip("/")
    if request is not None:
        return request.build_absolute_uri("/").rstrip("/")
    return DEVELOPMENT_SITE


def absolute_url(path: str, *, site: str | None = None) -> str:
    """`path` ("/shop/…") on the site: `site` (a `site_root(request)`), else `site_root()`."""
    return (site or site_root()) + path


@register(Tags.security)
def site_url_check(app_configs, **kwargs) -> list[Error]:
    """Links in emails need the public address: SITE_URL set with DEBUG off, and well formed."""
    value = settings.SITE_URL
    if not value:
        if settings.DEBUG:
            return []
        return [
            Error(
                "SITE_URL is not set: the links in emails (a new merchant's set-password link, "
                "staff invitations) would have no address to point to.",
                hint="Set SITE_URL to the site's public address, e.g. https://shop.example.com.",
                id="liveshop.E001",
            )
        ]
    if not _is_site_address(value):
        return [
            Error(
                f"SITE_URL={value!r} is not the absolute http(s) address of the site.",
                hint="Give the scheme and host only (and a port if need be), "
                "e.g. https://shop.example.com.",
                id="liveshop.E002",
            )
        ]
    return []


def _is_site_address(value: str) -> bool:
    """A scheme and host (and port), nothing more: "https://shop.example.com"."""
    parts = urlsplit(value)
    return (
        parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and parts.path in ("", "/")
        and not (parts.query or parts.fragment or parts.username or parts.password)
    )
