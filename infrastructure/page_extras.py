"""What apps higher up add to a lower app's pages (checkout adds buying to the event page and to
the shop and product pages), without the lower app importing them: each registers a function for
a page in its AppConfig.ready(), and the page's view asks for the context of its page."""

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

# (request, the page's object: a LiveEvent, a Merchant) -> template context
PageExtra = Callable[[HttpRequest, Any], dict]
_extras: dict[str, list[PageExtra]] = defaultdict(list)

EVENT_PAGE = "event"
SHOP_PAGE = "shop"
CONSOLE_PAGE = "console"  # the host console (ingest adds its Broadcast card)


def register(page: str, extra: PageExtra) -> None:
    if extra not in _extras[page]:
        _extras[page].append(extra)


def context_for(page: str, request: HttpRequest, obj) -> dict:
    context: dict = {}
    for extra in _extras[page]:
        context.update(extra(request, obj))
    return context
