"""Abuse limits: how often one IP address, and one shopper, may call an endpoint.

Counts live in the cache (Redis in production, so every process shares them) through
django-ratelimit. Rates are settings (`RATELIMITS`, by group), so a show that expects a venue's
whole audience behind one address can raise the per-IP ones. When the cache cannot be reached the
limits fail open: a shopper is never refused because Redis is restarting.
"""

import logging
from collections.abc import Callable
from functools import wraps
from types import SimpleNamespace

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django_ratelimit.core import get_usage

log = logging.getLogger(__name__)

MESSAGE = "Too many requests; wait a moment and try again."


def _shopper_key(group: str, request: HttpRequest) -> str:
    """A signed-in user, else the guest's session (created for the count if it has none)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    session = getattr(request, "session", None)
    if session is None:
        return f"ip:{request.META.get('REMOTE_ADDR', '')}"
    if not session.session_key:
        session.save()
    return f"session:{session.session_key}"


KEYS: dict[str, str | Callable] = {"ip": "ip", "shopper": _shopper_key}


def over_limit(request: HttpRequest, group: str) -> int | None:
    """Count this request against `group`'s limits. Returns the seconds to wait when one of them is
    exceeded, else None."""
    for key_name, rate in settings.RATELIMITS.get(group, {}).items():
        try:
            usage = get_usage(
                request, group=f"{group}:{key_name}", key=KEYS[key_name], rate=rate, increment=True
            )
        except Exception:  # the cache is down: let the request through
            log.warning("Rate limit %s not counted: the cache is unavailable", group, exc_info=True)
            continue
        if usage and usage["should_limit"]:
            return max(int(usage["time_left"]), 1)
    return None


def limit_socket(*, group: str, ip: str, user=None) -> int | None:
    """The same limits for a websocket message, which has no HttpRequest: IP and user only."""
    request = SimpleNamespace(
        method="POST",
        META={"REMOTE_ADDR": ip or "0.0.0.0"},  # noqa: S104 (an address, not a bind)
        user=user,
        session=None,
    )
    return over_limit(request, group)


def too_many(wait: int, message: str = MESSAGE) -> JsonResponse:
    """The 429 answer, in the JSON error shape the event page already shows."""
    response = JsonResponse({"error": message, "code": "rate_limited"}, status=429)
    response["Retry-After"] = str(wait)
    return response


def too_many_page(request: HttpRequest, wait: int) -> HttpResponse:
    """The 429 answer for a form people fill in (sign in, apply to sell)."""
    response = render(request, "ratelimited.html", {"wait": wait}, status=429)
    response["Retry-After"] = str(wait)
    return response


def ratelimited(group: str, *, page: bool = False):
    """Decorate a view: over `group`'s limits, a POST answers 429 without running it, as JSON (the
    event page's endpoints) or, with `page`, as an HTML page."""

    def decorate(view):
        @wraps(view)
        def limited_view(request, *args, **kwargs):
            if request.method in ("POST", "PUT", "PATCH", "DELETE"):
                wait = over_limit(request, group)
                if wait is not None:
                    return too_many_page(request, wait) if page else too_many(wait)
            return view(request, *args, **kwargs)

        return limited_view

    return decorate
