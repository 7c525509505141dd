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
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import F

from catalog.models import Merchant
from events import realtime, selectors
from events.errors import InvalidInput, InvalidTransition, NotAllowed
from events.models import LiveEvent

SLOW_MODE_MAX_SECONDS = 600
# The changes viewers see over the video, in step with it: message type -> the column it writes.
STAGE_CHANGES = {
    "featured": "featured_product_id",
    "banner": "banner_text",
    "announcement": "announcement",
}
# At most this many entries of stage history are kept, however many changes the window holds.
STAGE_HISTORY_MAX = 20

Status = LiveEvent.Status


def merchant_may_host(merchant: Merchant) -> None:
    """Raises NotAllowed unless the merchant is a verified brand."""
    if not merchant.is_verified:
        raise NotAllowed("Only verified brands can host live shows.")


def locked_for_host(event: LiveEvent, by: AbstractBaseUser) -> LiveEvent:
    """The event, row-locked, once `by` is confirmed as one of its hosts (re-read every time)."""
    if not selectors.can_host(by, event):
        raise NotAllowed("Only the brand's hosts can run this show.")
    locked = LiveEvent.objects.select_for_update().select_related("merchant").get(pk=event.pk)
    merchant_may_host(locked.merchant)
    return locked


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


def require_open(event: LiveEvent) -> None:
    if event.status in (Status.ENDED, Status.CANCELLED):
        over = "has ended" if event.status == Status.ENDED else "was cancelled"
        raise InvalidTransition(f"This show {over}.")


def one_line(text, max_length: int, what: str) -> str:
    if not isinstance(text, str):
        raise InvalidInput(f"{what} must be text.")
    text = " ".join(text.split())
    if len(text) > max_length:
        raise InvalidInput(f"{what} can be at most {max_length} characters.")
    return text


def check_slow_mode(seconds) -> None:
    whole = isinstance(seconds, int) and not isinstance(seconds, bool)
    if not whole or not 0 <= seconds <= SLOW_MODE_MAX_SECONDS:
        raise InvalidInput(
            f"Slow mode is a number of seconds from 0 (off) to {SLOW_MODE_MAX_SECONDS}."
        )


def slow_mode_change(event: LiveEvent, seconds: int) -> dict:
    """Inside a transaction holding the show's row: the slow mode change every writer sends."""
    return publish_change(
        event, {"type": "slow_mode", "seconds": seconds}, chat_slow_mode_seconds=seconds
    )
