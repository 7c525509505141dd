"""The Content-Security-Policy header: django-csp with the parts that depend on the request.

settings.CONTENT_SECURITY_POLICY holds what every page may load. The middleware adds:

- the show's websocket on the host the page came from (`ws://` or `wss://`, as the page was
  served: a browser does not always count a websocket as 'self');
- images from the media storage when it lives elsewhere (an S3 bucket, a CDN domain);
- Stripe.js (its script, its frames and its API) only when payments go to Stripe;
- what a view asked for with `allow_origins`: the event page lets its show's streaming host serve
  the video and the poster.
"""

import functools
from collections.abc import Iterable
from urllib.parse import urlsplit

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.core.files.storage import Storage, storages
from django.http import HttpRequest, HttpResponseBase

# What Stripe.js needs (docs.stripe.com, security guide): its script, the Payment Element's and
# 3-D Secure's frames, and its API.
STRIPE_SOURCES = {
    "script-src": ["https://js.stripe.com", "https://*.js.stripe.com"],
    "frame-src": ["https://js.stripe.com", "https://*.js.stripe.com", "https://hooks.stripe.com"],
    "connect-src": ["https://api.stripe.com"],
}


def origin(url: str) -> str | None:
    """`scheme://host[:port]` of an absolute http(s) URL; None for a path on this site."""
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "")


def allow_origins(
    response: HttpResponseBase, *, media: Iterable[str] = (), images: Iterable[str] = ()
) -> HttpResponseBase:
    """Let this one page load video (`media`: fetched by hls.js, or played by the video element)
    and images from the hosts of these URLs, besides the site's own."""
    media_origins = [o for o in map(origin, media) if o]
    image_origins = [o for o in map(origin, images) if o]
    response._csp_update = _merged(  # django-csp's per-response additions (its csp_update)
        getattr(response, "_csp_update", None),
        {"connect-src": media_origins, "media-src": media_origins, "img-src": image_origins},
    )
    return response


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if report_only:
            return parts
        extra = {"connect-src": _websocket_origin(request), "img-src": _media_origin()}
        if settings.STRIPE_SECRET_KEY:  # the provider checkout/payments.py picks
            extra = _merged(extra, STRIPE_SOURCES)
        parts.update = _merged(extra, parts.update)
        return parts


def _websocket_origin(request: HttpRequest) -> list[str]:
    try:
        host = request.get_host()
    except DisallowedHost:
        return []
    return [f"{'wss' if request.is_secure() else 'ws'}://{host}"]


def _media_origin() -> list[str]:
    """The host uploaded images are served from, when it is not this site."""
    media = _storage_origin(storages["default"])
    return [media] if media else []


@functools.lru_cache(maxsize=8)
def _storage_origin(storage: Storage) -> str | None:
    # Asked of the storage itself, so a bucket, its endpoint or a CDN domain all come out right.
    return origin(storage.url("liveshop"))


def _merged(*policies: dict | None) -> dict[str, list[str]]:
    merged: dict[str, list[str]] = {}
    for policy in policies:
        for directive, sources in (policy or {}).items():
            if sources:
                merged.setdefault(directive, [])
                merged[directive] += [s for s in sources if s not in merged[directive]]
    return merged
