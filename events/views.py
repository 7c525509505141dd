import copy
import json
import time

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST, require_safe

from events import errors as show_errors
from events import page_extras, selectors, services
from events.models import LiveEvent
from liveshop.content_policy import allow_origins

SLOW_MODE_CHOICES = [
    (0, "Off"),
    (5, "5 seconds"),
    (15, "15 seconds"),
    (30, "30 seconds"),
    (60, "1 minute"),
]


@require_safe
def event_list(request):
    return render(request, "events/list.html", selectors.listed_events())


# The state each show's page was last rendered with, by show: (seq, when, state). A crowd opening
# the page at 7 PM shares one build per change (and per LIVESHOP_SNAPSHOT_MAX_AGE seconds, for the
# unnumbered details: the viewer count, a product's catalog edits), as the websocket's snapshot is
# (events/snapshots.py). What depends on the viewer (the CSRF token, who may buy and host) is not
# cached.
_page_states: dict[tuple, tuple[int, float, dict]] = {}


# Open shows by slug, with the time each was read. The page reads its show at most once per
# LIVESHOP_SHOW_CACHE_SECONDS per process, as the websocket does (events/snapshots.py): the page is
# only a first picture, which the websocket's snapshot brings up to date as soon as it connects.
# A slug that is not an open show is not remembered.
_page_events: dict[str, tuple[float, LiveEvent]] = {}


def page_event(slug: str) -> LiveEvent:
    """The open show `slug` for its page (a copy of its own), or 404."""
    now = time.monotonic()
    kept = _page_events.get(slug)
    if kept is not None and now - kept[0] < settings.LIVESHOP_SHOW_CACHE_SECONDS:
        return copy.copy(kept[1])
    event = selectors.public_event(slug)
    _page_events[slug] = (now, copy.copy(event))
    return event


def page_state(event) -> dict:
    """`event_state` for the page of `event` (read in this request, so its `seq` is current)."""
    show = (event.pk, event.created_at)  # a show, even where ids are reused (tests)
    kept = _page_states.get(show)
    now = time.monotonic()
    if (
        kept is not None
        and kept[0] == event.seq
        and now - kept[1] < settings.LIVESHOP_SNAPSHOT_MAX_AGE
    ):
        return kept[2]
    state = selectors.event_state(event)
    if state["seq"] >= event.seq:
        _page_states[show] = (state["seq"], now, state)
    return state


@require_safe
def event_page(request, slug):
    event = page_event(slug)
    state = page_state(event)
    response = render(
        request,
        "events/event.html",
        {
            "event": event,
            "state": state,
            "can_host": selectors.can_host(request.user, event),
            **page_extras.context_for(request, event),
        },
    )
    # The video and its poster may come from the show's streaming provider.
    return allow_origins(response, media=[event.stream_url], images=[event.poster_url])


@require_safe
@login_required
def console(request, slug):
    event = selectors.public_event(slug)
    if not selectors.can_host(request.user, event):
        raise PermissionDenied
    state = selectors.event_state(event)
    return render(
        request,
        "events/console.html",
        {"event": event, "state": state, "slow_mode_choices": SLOW_MODE_CHOICES},
    )


@require_POST
def console_action(request, slug, action):
    """The host console's commands: the same services, and the same checks, as the websocket."""
    event = selectors.public_event(slug)
    if action not in services.HOST_COMMANDS:
        return JsonResponse({"error": "Unknown action."}, status=404)
    if not selectors.can_host(request.user, event):
        return JsonResponse({"error": "Only the brand's hosts can run this show."}, status=403)
    try:
        payload = json.loads(request.body or b"{}")
    except ValueError:
        return JsonResponse({"error": "The request body is not valid JSON."}, status=400)
    if not isinstance(payload, dict):
        return JsonResponse({"error": "The request body must be a JSON object."}, status=400)
    service, arguments = services.HOST_COMMANDS[action]
    kwargs = {name: payload.get(key) for name, key in arguments.items()}
    try:
        result = service(event=event, by=request.user, **kwargs)
    except show_errors.NotAllowed as exc:
        return JsonResponse({"error": exc.message}, status=403)
    except show_errors.EventError as exc:
        return JsonResponse({"error": exc.message, "code": exc.code}, status=400)
    except (TypeError, ValueError):
        return JsonResponse({"error": "A field has the wrong type."}, status=400)
    return JsonResponse({"ok": True, "seq": result["seq"] if result else None})
