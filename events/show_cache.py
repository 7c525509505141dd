"""What a crowd reads about a show, kept once per process for the event page (HTTP, in threads) and
the websocket (the realtime hub, in the event loop): the open shows by slug, and each show's latest
snapshot, its state per `seq`.

A show starts with a crowd arriving at once. Reading the show, then building its state (the show,
its products, the chat) for each of them costs tens of milliseconds of database work per viewer;
here each process reads them once and shares them between pages and connections:

- The open shows by slug, for LIVESHOP_SHOW_CACHE_SECONDS. Unknown slugs are not remembered (a show
  created a second later must not be refused), and a brand unverified meanwhile is refused once the
  entry expires.
- Each show's latest `Snapshot`: the state (`event_state`, which the page renders) and the `state`
  message encoded once for every connection it is sent to, read at most LIVESHOP_SNAPSHOT_MAX_AGE
  seconds ago (for details that take no `seq`: a product's title edited in the catalog). A newer
  one replaces an older one, whoever read it.

Each reader has its own rule for when the kept snapshot will do:

- **The page** (`page_event`, `page_state`): one at least as recent as the show's `seq` as it read
  the show. The page is a first picture; the websocket's snapshot, sent as it connects, brings it
  up to date. Requests that miss wait for the one read under way (a lock) instead of each doing
  their own.
- **The hub** (`Shows`, `Snapshots`): the hub tells its `Snapshots` every numbered change it
  receives (`saw_change`), so a snapshot is used only if it includes every change the hub has
  already passed on: a viewer joining the hub gets a snapshot at least as recent as the last change
  sent before it joined, and the changes after are held for it and sent if newer than the snapshot
  (events/consumers.py), so there is no gap and no change is applied twice. That holds only for a
  snapshot read since the hub is in the show's group (`follow`): one read before may miss a change
  published before the hub joined, which the hub never receives. While it is not in the group,
  every snapshot is read from the database. Concurrent connects wait for one build.

The viewer count is unnumbered: the hub splices the last `viewers` message it passed on into the
snapshot as it is sent (or the count read with the snapshot).
"""

import asyncio
import copy
import threading
import time
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field

from django.conf import settings
from django.http import Http404

from events import protocol, selectors
from events.models import LiveEvent


@dataclass
class Snapshot:
    """A show's state: `state` as the page renders it, `head` the `state` message encoded without
    its closing brace, its `viewers` and its `now` (the server's time as it is sent, so that the
    page can tell its clock from the server's)."""

    seq: int
    head: str
    viewers: int
    state: dict | None = None
    read_at: float = field(default_factory=time.monotonic)  # when its database read began

    def text(self, viewers: int | None = None) -> str:
        viewers = self.viewers if viewers is None else int(viewers)
        return f'{self.head},"viewers":{viewers},"now":{time.time_ns() // 1_000_000}}}'


def snapshot_read(event: LiveEvent) -> Snapshot:
    """The show's snapshot, read from the database now."""
    read_at = time.monotonic()
    state = selectors.event_state(event)
    message = {name: value for name, value in state.items() if name != "viewers"}
    return Snapshot(
        seq=state["seq"],
        head=protocol.encode(message)[:-1],
        viewers=state["viewers"],
        state=state,
        read_at=read_at,
    )


class ShowCache:
    """The process's open shows and snapshots. Each entry is one dictionary operation, so threads
    and the event loop share it as it is."""

    def __init__(self):
        self._shows: dict[str, tuple[float, LiveEvent]] = {}  # slug -> (expires, show)
        self._snapshots: dict[int, Snapshot] = {}  # show id -> its latest

    def show(self, slug: str) -> LiveEvent | None:
        """The open show `slug` as read lately (shared: copy it before setting fields), or None."""
        kept = self._shows.get(slug)
        return kept[1] if kept is not None and kept[0] > time.monotonic() else None

    def keep_show(self, slug: str, event: LiveEvent | None) -> None:
        if event is None:
            self._shows.pop(slug, None)
        else:
            self._shows[slug] = (time.monotonic() + settings.LIVESHOP_SHOW_CACHE_SECONDS, event)

    def snapshot(
        self, event_id: int, *, seq_at_least: int, read_since: float = float("-inf")
    ) -> Snapshot | None:
        """The kept snapshot, if it is that recent, was read since `read_since`, and is fresh."""
        kept = self._snapshots.get(event_id)
        if (
            kept is None
            or kept.seq < seq_at_least
            or kept.read_at < read_since
            or time.monotonic() - kept.read_at >= settings.LIVESHOP_SNAPSHOT_MAX_AGE
        ):
            return None
        return kept

    def keep_snapshot(self, event_id: int, snapshot: Snapshot) -> None:
        kept = self._snapshots.get(event_id)
        if kept is None or (snapshot.seq, snapshot.read_at) >= (kept.seq, kept.read_at):
            self._snapshots[event_id] = snapshot

    def clear(self) -> None:
        """Forget everything (tests: each test's shows are its own)."""
        self._shows.clear()
        self._snapshots.clear()


CACHE = ShowCache()


# --- The event page, in the request's thread -----------------------------------------------------

_reading = threading.Lock()
_building = threading.Lock()


def page_event(slug: str) -> LiveEvent:
    """The open show `slug` (a copy of its own, since callers may set fields on it), or 404."""
    event = CACHE.show(slug)
    if event is None:
        with _reading:
            event = CACHE.show(slug)  # read meanwhile by the request that held the lock
            if event is None:
                event = selectors.open_event(slug)
                CACHE.keep_show(slug, event)
    if event is None:
        raise Http404("No such show.")
    return copy.copy(event)


def page_state(event: LiveEvent) -> dict:
    """`event_state` for the page of `event`, at least as recent as `event.seq`."""
    kept = CACHE.snapshot(event.pk, seq_at_least=event.seq)
    if kept is None:
        with _building:
            kept = CACHE.snapshot(event.pk, seq_at_least=event.seq)
            if kept is None:
                kept = snapshot_read(event)
                CACHE.keep_snapshot(event.pk, kept)
    return kept.state


# --- The websocket, in the hub's event loop ------------------------------------------------------


class SingleFlight:
    """One call per key at a time: callers asking meanwhile await the same result."""

    def __init__(self):
        self._calls: dict[Hashable, asyncio.Future] = {}

    async def run(self, key: Hashable, make: Callable[[], Awaitable]):
        call = self._calls.get(key)
        if call is None:
            call = self._calls[key] = asyncio.ensure_future(make())
            call.add_done_callback(lambda done: self._done(key, done))
        # A caller that goes away (a viewer closing mid-handshake) does not cancel the others'.
        return await asyncio.shield(call)

    def _done(self, key: Hashable, call: asyncio.Future) -> None:
        if self._calls.get(key) is call:
            del self._calls[key]
        if not call.cancelled():
            call.exception()  # retrieved: waiters that remain raise it themselves


class Shows:
    """The hub's way to the open shows by slug (LiveEvent with its merchant)."""

    def __init__(self, load: Callable[[str], Awaitable[LiveEvent | None]]):
        self._load = load
        self._loading = SingleFlight()

    async def open(self, slug: str) -> LiveEvent | None:
        """The show, a copy of its own for the caller (services set fields on it), or None."""
        event = CACHE.show(slug)
        if event is None:
            event = await self._loading.run(slug, lambda: self._load_and_keep(slug))
        return copy.copy(event) if event is not None else None

    async def _load_and_keep(self, slug: str) -> LiveEvent | None:
        event = await self._load(slug)
        CACHE.keep_show(slug, event)
        return event


Build = Callable[[], Awaitable[Snapshot]]


class Snapshots:
    """The hub's way to the shows' snapshots: what it has passed on decides which will do."""

    def __init__(self):
        self._seen_seq: dict[int, int] = {}  # the last numbered change the hub passed on
        self._viewers: dict[int, int] = {}  # the last viewer count the hub passed on
        # event -> (generation, when it began), while the hub is in the show's group
        self._following: dict[int, tuple[int, float]] = {}
        self._generation = 0
        self._builds = SingleFlight()

    def follow(self, event_id: int) -> None:
        """The hub is now in the show's group: from here on it sees every change."""
        self.unfollow(event_id)
        self._generation += 1
        self._following[event_id] = (self._generation, time.monotonic())

    def unfollow(self, event_id: int) -> None:
        """The hub left the group, or may have lost changes: forget what it knew of the show."""
        self._following.pop(event_id, None)
        self._seen_seq.pop(event_id, None)
        self._viewers.pop(event_id, None)

    def unfollow_all(self) -> list[int]:
        followed = list(self._following)
        for event_id in followed:
            self.unfollow(event_id)
        return followed

    def saw_change(self, event_id: int, seq: int) -> None:
        """Called by the hub before it passes a numbered change on to anyone."""
        if seq > self._seen_seq.get(event_id, -1):
            self._seen_seq[event_id] = seq

    def saw_viewers(self, event_id: int, count: int) -> None:
        self._viewers[event_id] = count

    async def get(self, event_id: int, build: Build) -> tuple[int, str]:
        """The `seq` and encoded text of a snapshot for a viewer who has just joined the hub."""
        needed = self._seen_seq.get(event_id, -1)
        while True:
            following = self._following.get(event_id)
            if following is None:
                built = await build()
                CACHE.keep_snapshot(event_id, built)  # for the page; the hub cannot trust it
                return built.seq, built.text()
            since = following[1]
            kept = CACHE.snapshot(event_id, seq_at_least=needed, read_since=since)
            if kept is not None:
                return kept.seq, kept.text(self._viewers.get(event_id))
            built = await self._builds.run(
                (event_id, following), lambda: self._build(event_id, build)
            )
            if built.seq >= needed and self._following.get(event_id) == following:
                return built.seq, built.text(self._viewers.get(event_id))
            # Built before a change the hub has since passed on, or the hub left the group
            # meanwhile: look again (another build, or one from the database).

    async def _build(self, event_id: int, build: Build) -> Snapshot:
        snapshot = await build()
        CACHE.keep_snapshot(event_id, snapshot)
        return snapshot
