"""What the event page reads, kept by the process: the show by slug, and its state per `seq`.

At 7 PM a crowd opens the page at once. Each process reads the show at most once per
LIVESHOP_SHOW_CACHE_SECONDS, as the websocket does (events/snapshots.py), and builds its state once
per change (and per LIVESHOP_SNAPSHOT_MAX_AGE seconds, for the details that take no `seq`: the viewer
count, a product's catalog edits). The page is a first picture: the websocket's snapshot, sent as it
connects, brings it up to date. Requests that miss wait for the one read or build under way instead
of each doing their own. A slug that is not an open show is not remembered. What depends on the
viewer (the CSRF token, who may buy and host) is never kept.
"""

import copy
import threading
import time

from django.conf import settings

from events import selectors
from events.models import LiveEvent

_events: dict[str, tuple[float, LiveEvent]] = {}  # slug -> (read at, show)
_states: dict[tuple, tuple[int, float, dict]] = {}  # show -> (seq, built at, state)
_reading = threading.Lock()
_building = threading.Lock()


def page_event(slug: str) -> LiveEvent:
    """The open show `slug` (a copy of its own, since callers may set fields on it), or 404."""
    event = _kept_event(slug)
    if event is None:
        with _reading:
            event = _kept_event(slug)  # read meanwhile by the request that held the lock
            if event is None:
                event = selectors.public_event(slug)
                _events[slug] = (time.monotonic(), event)
    return copy.copy(event)


def page_state(event: LiveEvent) -> dict:
    """`event_state` for the page of `event`, as recent as `event.seq`."""
    show = (event.pk, event.created_at)  # a show, even where ids are reused (tests)
    state = _kept_state(show, event.seq)
    if state is None:
        with _building:
            state = _kept_state(show, event.seq)
            if state is None:
                state = selectors.event_state(event)
                if state["seq"] >= event.seq:
                    _states[show] = (state["seq"], time.monotonic(), state)
    return state


def forget() -> None:
    """Drop everything kept (tests: each test's shows are its own)."""
    _events.clear()
    _states.clear()


def _kept_event(slug: str) -> LiveEvent | None:
    kept = _events.get(slug)
    if kept is not None and time.monotonic() - kept[0] < settings.LIVESHOP_SHOW_CACHE_SECONDS:
        return kept[1]
    return None


def _kept_state(show: tuple, seq: int) -> dict | None:
    kept = _states.get(show)
    if (
        kept is not None
        and kept[0] == seq
        and time.monotonic() - kept[1] < settings.LIVESHOP_SNAPSHOT_MAX_AGE
    ):
        return kept[2]
    return None
