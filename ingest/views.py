"""nginx-rtmp's callbacks (on_publish, on_publish_done, on_record_done), and a show's stream key
and stream health for its console.

The callbacks are nginx's, not a person's: they are refused (403) unless they come from an address
in INGEST_ALLOWED_ADDRESSES and carry INGEST_SECRET. nginx posts form fields: `name` (the stream
key on the public application, the playback id on the internal one), `path` (a recording).
"""

import logging
import secrets

from django.conf import settings
from django.http import HttpResponse, HttpResponseForbidden, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from events.errors import EventError
from events.models import LiveEvent
from events.selectors import can_host
from infrastructure.background import enqueue
from infrastructure.ratelimits import ratelimited
from ingest import health, services, tasks

log = logging.getLogger(__name__)


def from_ingest(view):
    """Only nginx may call: from an allowed address, with the shared secret."""

    def wrapper(request, *args, **kwargs):
        secret = settings.INGEST_SECRET
        given = request.GET.get("secret", "")
        address = request.META.get("REMOTE_ADDR", "")
        if (
            not secret
            or not secrets.compare_digest(given.encode(), secret.encode())
            or address not in settings.INGEST_ALLOWED_ADDRESSES
        ):
            log.warning("Ingest callback refused from %s (%s)", address, request.path)
            return HttpResponseForbidden("Not the ingest.")
        return view(request, *args, **kwargs)

    return csrf_exempt(require_POST(wrapper))


@from_ingest
def on_publish(request):
    """A stream arrives with a key: 302 to the show's playback id (nginx renames the stream to it,
    so the key never appears in a playback URL), or 403."""
    key = request.POST.get("name", "")
    try:
        stream_key = services.publish_allow(key=key)
    except services.PublishRefused as exc:
        log.warning("Publish refused from %s: %s", request.POST.get("addr", "?"), exc)
        return HttpResponseForbidden("Refused.")
    log.info("Publish accepted for show %s", stream_key.event_id)
    response = HttpResponse(status=302)
    response["Location"] = stream_key.playback_id
    return response


@from_ingest
def on_relay_publish(request):
    """The internal `hls` application's publisher: the ingest's own push, or 403."""
    try:
        services.relay_publish_allow(
            playback_id=request.POST.get("name", ""), tcurl=request.POST.get("tcurl", "")
        )
    except services.PublishRefused as exc:
        log.warning("Relay refused from %s: %s", request.POST.get("addr", "?"), exc)
        return HttpResponseForbidden("Refused.")
    return HttpResponse("ok")


@from_ingest
def on_publish_done(request):
    services.publish_done(playback_id=request.POST.get("name", ""))
    return HttpResponse("ok")


@from_ingest
def on_record_done(request):
    enqueue(
        tasks.recording_store,
        playback_id=request.POST.get("name", ""),
        path=request.POST.get("path", ""),
    )
    return HttpResponse("ok")


def _hosted_event(request, slug) -> LiveEvent | None:
    event = get_object_or_404(LiveEvent.objects.select_related("merchant"), slug=slug)
    return event if can_host(request.user, event) else None


@require_POST
@ratelimited("stream_key")
def stream_key_rotate(request, slug):
    """A new stream key for the show, shown this once (the console's "New stream key")."""
    event = _hosted_event(request, slug)
    if event is None:
        return JsonResponse({"error": "Only the brand's hosts can see its stream key."}, status=403)
    if not services.ingest_enabled():
        return JsonResponse({"error": "This site has no video ingest."}, status=409)
    try:
        key = services.stream_key_rotate(event=event, by=request.user)
    except EventError as exc:
        return JsonResponse({"error": exc.message}, status=409)
    return JsonResponse({"key": key, **health.broadcast_settings(event)})


@require_safe
def stream_health(request, slug):
    """What the ingest sees of the show's stream now (the console asks every few seconds)."""
    event = _hosted_event(request, slug)
    if event is None:
        return JsonResponse({"error": "Only the brand's hosts can see the stream."}, status=403)
    return JsonResponse(health.stream_health(event))
