from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_POST, require_safe

from catalog import selectors as catalog_selectors
from events import commands, selectors, show_cache
from events import errors as show_errors
from infrastructure import page_extras
from infrastructure.content_policy import allow_origins
from infrastructure.json_input import BodyNotAnObject, json_object


# The console's JSON endpoints answer anyone but the brand's owner and hosts with this.
def _not_a_host() -> JsonResponse:
    return JsonResponse({"error": "Only the brand's hosts can run this show."}, status=403)


SLOW_MODE_CHOICES = [
    (0, "Off"),
    (5, "5 seconds"),
    (15, "15 seconds"),
    (30, "30 seconds"),
    (60, "1 minute"),
]


@require_safe
def home(request):
    """What is live now, then what is coming up, then past shows, then the shops."""
    return render(
        request,
        "events/home.html",
        {**_listing(), "merchants": catalog_selectors.listed_shops()},
    )


@require_safe
def event_list(request):
    return render(request, "events/list.html", _listing())


@require_safe
@cache_control(public=True, max_age=5)
def shows_now(request):
    """The lists of shows alone, which the home page and the list fetch again every
    LIVESHOP_LISTING_REFRESH_SECONDS: a show going live or ending shows up without a reload."""
    return render(request, "events/_shows.html", _listing())


def _listing() -> dict:
    return {
        "shows": selectors.listed_events(),
        "refresh_seconds": settings.LIVESHOP_LISTING_REFRESH_SECONDS,
    }


@require_safe
def event_page(request, slug):
    event = show_cache.page_event(slug)
    state = show_cache.page_state(event)
    response = render(
        request,
        "events/event.html",
        {
            "event": event,
            "state": state,
            "can_host": selectors.can_host(request.user, event),
            **page_extras.context_for(page_extras.EVENT_PAGE, request, event),
        },
    )
    # The video and its poster may come from the show's streaming provider.
    return allow_origins(
        response, media=[event.stream_url, event.replay_url], images=[event.poster_url]
    )


@require_safe
@login_required
def console(request, slug):
    event = selectors.public_event(slug)
    if not selectors.can_host(request.user, event):
        raise PermissionDenied
    state = selectors.event_state(event)
    # The Broadcast card's settings, when a video ingest (an app above this one) adds them.
    extras = page_extras.context_for(page_extras.CONSOLE_PAGE, request, event)
    response = render(
        request,
        "events/console.html",
        {
            "event": event,
            "state": state,
            "slow_mode_choices": SLOW_MODE_CHOICES,
            "undo_seconds": int(settings.LIVESHOP_END_UNDO_SECONDS),
            **extras,
        },
    )
    # The muted preview plays what viewers see: the show's stream, or the ingest's once a key is made.
    ingest_hls = extras.get("broadcast", {}).get("hls_url", "")
    return allow_origins(response, media=[event.stream_url, ingest_hls])


@require_safe
@login_required
def console_restrictions(request, slug):
    """The show's muted and banned viewers, for the console's moderation list."""
    event = selectors.public_event(slug)
    if not selectors.can_host(request.user, event):
        return _not_a_host()
    return JsonResponse({"restrictions": selectors.chat_restrictions(event)})


@require_POST
def console_action(request, slug, action):
    """The host console's commands: the same entry, and the same checks, as the websocket."""
    event = selectors.public_event(slug)
    if action not in commands.HOST_COMMANDS:
        return JsonResponse({"error": "Unknown action."}, status=404)
    if not selectors.can_host(request.user, event):
        return _not_a_host()
    try:
        payload = json_object(request)
    except BodyNotAnObject as exc:
        return JsonResponse({"error": exc.message}, status=400)
    try:
        result = commands.host_command_run(
            event=event, name=action, message=payload, by=request.user
        )
    except show_errors.NotAllowed as exc:
        return JsonResponse({"error": exc.message}, status=403)
    except show_errors.EventError as exc:
        return JsonResponse({"error": exc.message, "code": exc.code}, status=400)
    return JsonResponse({"ok": True, "seq": result["seq"] if result else None})
