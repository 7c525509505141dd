"""What the console shows of a show's broadcast: the settings for OBS, and the stream's health as
the ingest sees it (nginx-rtmp's statistics, and the HLS playlist it writes)."""

import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from email.utils import parsedate_to_datetime

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from events.models import LiveEvent
from ingest.models import StreamKey
from ingest.services import ingest_enabled, playback_url

# What we ask brands to send, and the range outside which the console warns.
RECOMMENDED = {
    "resolution": "1280×720 or 1920×1080",
    "video_bitrate_kbps": "2,500–6,000",
    "frame_rate": "30",
    "keyframe_interval_seconds": "2",
    "encoder": "x264 (or your hardware's H.264), AAC audio at 128 kbps",
}
BITRATE_KBPS = (1500, 8000)
MIN_FRAME_RATE = 24
MAX_KEYFRAME_INTERVAL = 2.5
STALE_FRAGMENT_SECONDS = 6
TIMEOUT = 2


def broadcast_settings(event: LiveEvent) -> dict:
    stream_key = StreamKey.objects.filter(event=event).first()
    return {
        "server": settings.INGEST_RTMP_URL,
        "key_hint": stream_key.key_hint if stream_key else "",
        "playback_url": playback_url(stream_key) if stream_key else "",
        "recommended": RECOMMENDED,
    }


def console_broadcast(request: HttpRequest, event: LiveEvent) -> dict:
    """The console's Broadcast card (a page extra: the console view has checked the host). With
    no ingest, only that: the show plays the HLS URL it was given. Never the key itself."""
    if not ingest_enabled():
        return {"broadcast": {"ingest": False}}
    return {
        "broadcast": {
            "ingest": True,
            **broadcast_settings(event),
            "hls_url": settings.INGEST_HLS_URL,  # where the preview plays from, for the page's CSP
            "key_url": reverse("ingest:stream_key", args=[event.slug]),
            "health_url": reverse("ingest:stream_health", args=[event.slug]),
        }
    }


def stream_health(event: LiveEvent) -> dict:
    """{"ingest": bool, "has_key", "receiving", "bitrate_kbps", "frame_rate", "resolution",
    "keyframe_interval", "last_fragment_seconds", "warnings": [...]} (None where unknown)."""
    health = {
        "ingest": ingest_enabled(),
        "has_key": False,
        "receiving": False,
        "bitrate_kbps": None,
        "frame_rate": None,
        "resolution": None,
        "keyframe_interval": None,
        "last_fragment_seconds": None,
        "warnings": [],
    }
    stream_key = StreamKey.objects.filter(event=event).first()
    if not health["ingest"] or stream_key is None:
        return health
    health["has_key"] = True
    health.update(_from_statistics(stream_key.playback_id))
    health.update(_from_playlist(playback_url(stream_key)))
    health["warnings"] = _warnings(health, live=event.status == LiveEvent.Status.LIVE)
    return health


def _from_statistics(playback_id: str) -> dict:
    """nginx-rtmp's /stat: the stream's incoming video bitrate, frame rate and size."""
    if not settings.INGEST_STAT_URL:
        return {}
    try:
        with urllib.request.urlopen(settings.INGEST_STAT_URL, timeout=TIMEOUT) as response:  # noqa: S310 (our setting)
            root = ET.fromstring(response.read())  # noqa: S314 (our own nginx's page)
    except (OSError, ET.ParseError):
        return {}
    for stream in root.iter("stream"):
        if stream.findtext("name") != playback_id or stream.find("publishing") is None:
            continue
        video = stream.find("meta/video")
        width = _number(video, "width")
        height = _number(video, "height")
        # nginx-rtmp measures bandwidth over 10 s windows: 0 until the first has passed (unknown).
        bitrate = _number(stream, "bw_video")
        return {
            "receiving": True,
            "bitrate_kbps": round(bitrate / 1000) if bitrate else None,
            "frame_rate": _number(video, "frame_rate") or None,
            "resolution": f"{int(width)}×{int(height)}" if width and height else None,
        }
    return {}


def _from_playlist(url: str) -> dict:
    """The live playlist: its longest fragment (a fragment starts at a keyframe, so this is the
    keyframe interval when it is longer than the 1 s fragments asked for) and its age."""
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:  # noqa: S310 (our setting)
            text = response.read().decode(errors="replace")
            modified = response.headers.get("Last-Modified")
    except (OSError, ValueError):
        return {}
    durations = [
        float(line.split(":", 1)[1].split(",", 1)[0])
        for line in text.splitlines()
        if line.startswith("#EXTINF:")
    ]
    found = {}
    if durations:
        found["keyframe_interval"] = round(max(durations), 1)
    if modified:
        age = time.time() - parsedate_to_datetime(modified).timestamp()
        found["last_fragment_seconds"] = max(0, round(age))
    return found


def _warnings(health: dict, *, live: bool) -> list[str]:
    if not health["receiving"]:
        if live:
            return ["No video is arriving: viewers see that your video is reconnecting."]
        return ["Not receiving yet: start streaming from OBS with the server and key above."]
    warnings = []
    low, high = BITRATE_KBPS
    bitrate = health["bitrate_kbps"]
    if bitrate is not None and not low <= bitrate <= high:
        warnings.append(f"Video bitrate {bitrate:,} kbps: set it between {low:,} and {high:,}.")
    if health["frame_rate"] is not None and health["frame_rate"] < MIN_FRAME_RATE:
        warnings.append(f"{health['frame_rate']:g} frames a second: set 30.")
    interval = health["keyframe_interval"]
    if interval is not None and interval > MAX_KEYFRAME_INTERVAL:
        warnings.append(f"A keyframe every {interval:g} s: set the keyframe interval to 2 s.")
    stale = health["last_fragment_seconds"]
    if stale is not None and stale > STALE_FRAGMENT_SECONDS:
        warnings.append(f"No new video for {stale} s.")
    return warnings


def _number(node, tag: str) -> float:
    if node is None:
        return 0.0
    try:
        return float(node.findtext(tag) or 0)
    except ValueError:
        return 0.0
