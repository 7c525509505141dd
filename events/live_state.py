"""The one writer of a show's live state: every change takes the next `seq` and is broadcast after
the commit.

A show's live state (`seq`, `status`, `featured_product`, `banner_text`, `announcement`, the chat
settings viewers follow) changes only through `publish_change`, inside a transaction holding the
show's row: the host's commands (events/services.py), the chat (events/chat.py) and the Shopping
Manager (events/scheduling.py) all call it. Viewer counts are the one unnumbered message
(`services.event_viewers_set`).

Every change carries `at`, the server time it was made (milliseconds since the epoch). A change of
what viewers see over the video (STAGE_CHANGES: the featured product, the banner text, the
announcement) is also kept in `stage_history`, so that a viewer whose video is seconds behind is
shown what the host showed at the moment their video is at (docs/realtime.md).
"""

import time

from django.conf import settings
from django.db import transaction
from django.db.models import F

from events import realtime
from events.models import LiveEvent

# The changes viewers see over the video, in step with it: message type -> the column it writes.
STAGE_CHANGES = {
    "featured": "featured_product_id",
    "banner": "banner_text",
    "announcement": "announcement",
}
# At most this many entries of stage history are kept, however many changes the window holds.
STAGE_HISTORY_MAX = 20


def publish_change(event: LiveEvent, message: dict, **fields) -> dict:
    """Inside a transaction holding the show's row: write `fields`, take the next seq, broadcast
    `message` on commit, with its `seq` and `at` (now, in milliseconds since the epoch)."""
    at = now_ms()
    if message["type"] in STAGE_CHANGES:
        fields["stage_history"] = stage_history_after(event, at, fields)
    LiveEvent.objects.filter(pk=event.pk).update(seq=F("seq") + 1, **fields)
    event.seq = LiveEvent.objects.values_list("seq", flat=True).get(pk=event.pk)
    for name, value in fields.items():
        setattr(event, name, value)
    message = {**message, "seq": event.seq, "at": at}
    # robust: the change is committed; a broadcast that fails is logged, and clients resync.
    transaction.on_commit(lambda: realtime.publish(event.pk, message), robust=True)
    return message


def now_ms() -> int:
    """The server's time in milliseconds since the epoch: the `at` of changes, a snapshot's `now`."""
    return time.time_ns() // 1_000_000


def stage_history_after(event: LiveEvent, at: int, fields: dict) -> list[dict]:
    """The show's stage history once `fields` (of STAGE_CHANGES' columns) change at `at`.

    Each entry is what viewers see over the video from its `at` on: `featured` (a product id or
    None), `banner`, `announcement`. Entries older than LIVESHOP_VIDEO_SYNC_MAX_SECONDS are dropped,
    but for the newest of them, which says what was shown when the window starts (an entry at 0:
    since before the history began). Read under the caller's lock on the show's row.
    """
    current = LiveEvent.objects.values(*STAGE_CHANGES.values(), "stage_history").get(pk=event.pk)
    history = current.pop("stage_history") or [{"at": 0, **_stage(current)}]
    history = [*history, {"at": at, **_stage({**current, **fields})}]
    window_start = at - int(settings.LIVESHOP_VIDEO_SYNC_MAX_SECONDS * 1000)
    first = max((i for i, entry in enumerate(history) if entry["at"] <= window_start), default=0)
    return history[max(first, len(history) - STAGE_HISTORY_MAX) :]


def _stage(columns: dict) -> dict:
    return {name: columns[column] for name, column in STAGE_CHANGES.items()}


def slow_mode_change(event: LiveEvent, seconds: int) -> dict:
    """Inside a transaction holding the show's row: the slow mode change every writer sends."""
    return publish_change(
        event, {"type": "slow_mode", "seconds": seconds}, chat_slow_mode_seconds=seconds
    )
