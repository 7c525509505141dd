"""What apps above `events` add to the event page (checkout adds buying), without events importing
them: each registers a function in its AppConfig.ready()."""

from collections.abc import Callable

from django.http import HttpRequest

from events.models import LiveEvent

PageExtra = Callable[[HttpRequest, LiveEvent], dict]
_extras: list[PageExtra] = []


def register(extra: PageExtra) -> None:
    if extra not in _extras:
        _extras.append(extra)


def context_for(request: HttpRequest, event: LiveEvent) -> dict:
    context: dict = {}
    for extra in _extras:
        context.update(extra(request, event))
    return context
