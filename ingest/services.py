"""Who may broadcast, and what the ingest tells us: stream keys, publish and its end, recordings.

nginx (the RTMP module) asks `publish_allow` when a stream arrives with a key, and says when it
stopped (`publish_done`) and when a recording is written (`recording_store`); ingest/views.py
answers its callbacks. A show's key is made and rotated by its hosts on the console.
"""

import hashlib
import hmac
import logging
import secrets
import shutil
import subprocess
import tempfile
import urllib.request
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from events.errors import InvalidTransition
from events.guards import locked_for_host
from events.models import LiveEvent
from events.scheduling import event_replay_set, event_update
from events.services import event_stream_report
from ingest.models import Recording, StreamKey
from ingest.nginx_config import relay_token

log = logging.getLogger(__name__)

Status = LiveEvent.Status
KEY_PREFIX = "live_"


class PublishRefused(Exception):
    """nginx is told 403; the reason is logged, never sent to the publisher."""


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def playback_url(stream_key: StreamKey) -> str:
    return f"{settings.INGEST_HLS_URL.rstrip('/')}/{stream_key.playback_id}/index.m3u8"


def ingest_enabled() -> bool:
    return bool(settings.INGEST_RTMP_URL and settings.INGEST_HLS_URL)


def stream_key_rotate(*, event: LiveEvent, by: AbstractBaseUser) -> str:
    """A new key for the show (its first, or one replacing the old, which stops working at once);
    the show then plays from the ingest. Returns the key: the only time it is ever shown.
    Raises NotAllowed (not a host of this verified brand), InvalidTransition (show over)."""
    key = KEY_PREFIX + secrets.token_urlsafe(30)
    with transaction.atomic():
        event = locked_for_host(event, by)
        if event.status in (Status.ENDED, Status.CANCELLED):
            raise InvalidTransition("This show is over: it needs no stream key.")
        stream_key, created = StreamKey.objects.get_or_create(
            event=event,
            defaults={
                "key_hash": key_hash(key),
                "key_hint": key[-4:],
                "playback_id": secrets.token_hex(12),
            },
        )
        if not created:
            StreamKey.objects.filter(pk=stream_key.pk).update(
                key_hash=key_hash(key), key_hint=key[-4:], created_at=timezone.now()
            )
        url = playback_url(stream_key)
        if event.stream_url != url:
            event_update(event=event, by=by, stream_url=url)
        if not created:
            # A stream already publishing with the old key stops now, not when it next connects.
            playback_id = stream_key.playback_id
            transaction.on_commit(lambda: stream_drop(playback_id=playback_id), robust=True)
    log.info(
        "Stream key of show %s %s by user %s", event.pk, "made" if created else "rotated", by.pk
    )
    return key


def publish_allow(*, key: str) -> StreamKey:
    """The stream key of a show that may broadcast now: of a verified brand, live, or scheduled to
    start within INGEST_EARLY_MINUTES. Marks the stream as arriving. Raises PublishRefused."""
    if not key.startswith(KEY_PREFIX):
        raise PublishRefused("not a Liveshop stream key")
    stream_key = (
        StreamKey.objects.select_related("event__merchant").filter(key_hash=key_hash(key)).first()
    )
    if stream_key is None:
        raise PublishRefused("unknown or rotated key")
    event = stream_key.event
    if not event.merchant.is_verified:
        raise PublishRefused(f"show {event.pk}: brand not verified")
    early = timedelta(minutes=settings.INGEST_EARLY_MINUTES)
    if event.status == Status.SCHEDULED and event.scheduled_start - timezone.now() > early:
        raise PublishRefused(f"show {event.pk}: starts in more than {early}")
    if event.status not in (Status.SCHEDULED, Status.LIVE):
        raise PublishRefused(f"show {event.pk}: {event.status}")
    StreamKey.objects.filter(pk=stream_key.pk).update(publishing_since=timezone.now())
    event_stream_report(event=event, receiving=True)
    return stream_key


def relay_publish_allow(*, playback_id: str, tcurl: str) -> StreamKey:
    """The `hls` application's publisher: only the ingest's own push from `live`, which carries
    the relay token in its connection URL (ingest/nginx_config.py), under a show's playback id.
    Raises PublishRefused."""
    given = parse_qs(urlsplit(tcurl).query).get("relay", [""])[0]
    if not hmac.compare_digest(given.encode(), relay_token(settings.INGEST_SECRET).encode()):
        raise PublishRefused("a publish to the internal application without the relay token")
    stream_key = StreamKey.objects.filter(playback_id=playback_id).first()
    if stream_key is None:
        raise PublishRefused("a relay of an unknown playback id")
    return stream_key


def stream_drop(*, playback_id: str) -> bool:
    """Ask the ingest to drop the stream published under `playback_id` now (nginx-rtmp's control
    module), in both applications. Returns whether it dropped one; an ingest that cannot be
    reached is logged (the stream then runs until its publisher stops)."""
    base = control_url()
    if not base:
        return False
    dropped = False
    for app in ("live", "hls"):
        query = urlencode({"app": app, "name": playback_id})
        try:
            with urllib.request.urlopen(f"{base}/drop/publisher?{query}", timeout=3) as answer:  # noqa: S310 (our setting)
                dropped |= answer.read().strip() not in (b"", b"0")
        except OSError:
            log.warning("Could not ask the ingest to drop stream %s (%s)", playback_id, app)
    return dropped


def control_url() -> str:
    """nginx-rtmp's control endpoint: INGEST_CONTROL_URL, else beside INGEST_STAT_URL."""
    if settings.INGEST_CONTROL_URL:
        return settings.INGEST_CONTROL_URL.rstrip("/")
    stat = settings.INGEST_STAT_URL.rstrip("/")
    return stat.removesuffix("/stat") + "/control" if stat.endswith("/stat") else ""


def publish_done(*, playback_id: str) -> None:
    """The stream stopped (the brand's encoder, or its network). The show goes on: viewers see
    that the video is reconnecting until it arrives again."""
    stream_key = StreamKey.objects.select_related("event").filter(playback_id=playback_id).first()
    if stream_key is None:
        return
    StreamKey.objects.filter(pk=stream_key.pk).update(stopped_at=timezone.now())
    event_stream_report(event=stream_key.event, receiving=False)


def recording_store(*, playback_id: str, path: str) -> Recording | None:
    """nginx finished a recording (FLV) of the stream: remux it to MP4 with ffmpeg, store it
    through the storage API (S3 in production), and make it the show's replay (the latest
    recording: a stream that dropped and came back is recorded in parts). The FLV must be in
    INGEST_DIR/recordings (a callback never names another file). A background task
    (ingest/tasks.py)."""
    stream_key = StreamKey.objects.select_related("event").filter(playback_id=playback_id).first()
    source = Path(path).resolve()
    recordings = (settings.INGEST_DIR / "recordings").resolve()
    if stream_key is None or not source.is_relative_to(recordings) or not source.is_file():
        log.warning("Recording %s of stream %s refused", path, playback_id)
        return None
    event = stream_key.event
    with tempfile.TemporaryDirectory() as work:
        mp4 = Path(work) / f"{event.slug}.mp4"
        remux = subprocess.run(  # noqa: S603 (a file in INGEST_DIR, checked above)
            [
                *("ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-i", str(source)),
                *("-c", "copy", "-movflags", "+faststart", str(mp4)),
            ],
            capture_output=True,
            timeout=600,
        )
        if remux.returncode != 0 or not mp4.exists():
            log.error("Recording %s could not be remuxed: %s", source, remux.stderr[-500:])
            return None
        with mp4.open("rb") as handle:
            recording = Recording(event=event, duration_seconds=_duration(mp4))
            recording.file.save(f"{event.slug}-{timezone.now():%Y%m%d-%H%M%S}.mp4", File(handle))
    source.unlink(missing_ok=True)
    event_replay_set(event=event, url=recording.file.url)
    return recording


def _duration(path: Path) -> float:
    probe = shutil.which("ffprobe")
    if probe is None:
        return 0.0
    result = subprocess.run(  # noqa: S603 (our own file)
        [probe, "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    try:
        return float(result.stdout.strip())
    except ValueError:
        return 0.0
