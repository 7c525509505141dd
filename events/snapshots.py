"""What a connect reads, kept by the process: shows by slug, and each show's encoded snapshot.

A show starts with a crowd arriving at once. Reading the show, then building its snapshot (the show,
its products, the chat) for each of them costs tens of milliseconds of database work per viewer;
here each process reads them once and shares them:

- `Shows`: the open shows found by slug, for LIVESHOP_SHOW_CACHE_SECONDS. Unknown slugs are not
  remembered (a show created a second later must not answer 4404), and a brand unverified meanwhile
  is refused once the entry expires.
- `Snapshots`: a show's `state` message, encoded once, per `seq`. The realtime hub tells it every
  numbered change it receives (`saw_change`), so a snapshot is used only if it includes every change
  the hub has already passed on: a viewer joining the hub gets a snapshot at least as recent as the
  last change sent before it joined, and the changes after are held for it and sent if newer than
  the snapshot (events/consumers.py), so there is no gap and no change is applied twice. A snapshot
  is kept only while the hub is in the show's group (`follow`): while it is not, it may miss changes,
  so every snapshot is built from the database. Concurrent connects wait for one build.

The viewer count is unnumbered: the snapshot carries the last `viewers` message the hub passed on
(or the count read with the snapshot), spliced in when the snapshot is sent. Unnumbered details
(a product's title edited in the catalog) are at most LIVESHOP_SNAPSHOT_MAX_AGE seconds old.
"""

import asyncio
import copy
import time
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from functools import partial

from django.conf import settings

from events.models import LiveEvent


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
    """Open shows by slug (LiveEvent with its merchant), for a few seconds."""

    def __init__(self, load: Callable[[str], Awaitable[LiveEvent | None]]):
        self._load = load
        self._found: dict[str, tuple[float, LiveEvent]] = {}
        self._loading = SingleFlight()

    async def open(self, slug: str) -> LiveEvent | None:
        """The show, a copy of its own for the caller (services set fields on it), or None."""
        found = self._found.get(slug)
        if found is None or found[0] < time.monotonic():
            event = await self._loading.run(slug, lambda: self._load_and_keep(slug))
        else:
            event = found[1]
        return copy.copy(event) if event is not None else None

    async def _load_and_keep(self, slug: str) -> LiveEvent | None:
        event = await self._load(slug)
        if event is not None:
            self._found[slug] = (time.monotonic() + settings.LIVESHOP_SHOW_CACHE_SECONDS, event)
        else:
            self._found.pop(slug, None)
        return event


@dataclass
class Snapshot:
    """A `state` message encoded without its closing brace, its `viewers` and its `now` (the
    server's time as it is sent, so that the page can tell its clock from the server's)."""

    seq: int
    head: str
    viewers: int
    built: float = field(default_factory=time.monotonic)

    def text(self, viewers: int | None = None) -> str:
        viewers = self.viewers if viewers is None else int(viewers)
        return f'{self.head},"viewers":{viewers},"now":{time.time_ns() // 1_000_000}}}'


Build = Callable[[], Awaitable[Snapshot]]


class Snapshots:
    """Each show's latest snapshot, for one hub (one event loop)."""

    def __init__(self):
        self._latest: dict[int, Snapshot] = {}
        self._seen_seq: dict[int, int] = {}  # the last numbered change the hub passed on
        self._viewers: dict[int, int] = {}  # the last viewer count the hub passed on
        self._following: dict[int, int] = {}  # event -> generation, while the hub is in its group
        self._generation = 0
        self._builds = SingleFlight()

    def follow(self, event_id: int) -> None:
        """The hub is now in the show's group: from here on it sees every change."""
        self.unfollow(event_id)
        self._generation += 1
        self._following[event_id] = self._generation

    def unfollow(self, event_id: int) -> None:
        """The hub left the group, or may have lost changes: forget what it knew of the show."""
        self._following.pop(event_id, None)
        self._latest.pop(event_id, None)
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
            generation = self._following.get(event_id)
            if generation is None:
                built = await build()
                return built.seq, built.text()
            latest = self._latest.get(event_id)
            max_age = settings.LIVESHOP_SNAPSHOT_MAX_AGE
            if (
                latest is not None
                and latest.seq >= needed
                and time.monotonic() - latest.built < max_age
            ):
                return latest.seq, latest.text(self._viewers.get(event_id))
            built = await self._builds.run(
                (event_id, generation), partial(self._build, event_id, generation, build)
            )
            if built.seq >= needed and self._following.get(event_id) == generation:
                return built.seq, built.text(self._viewers.get(event_id))
            # Built before a change the hub has since passed on, or the hub left the group
            # meanwhile: look again (another build, or one from the database).

    async def _build(self, event_id: int, generation: int, build: Build) -> Snapshot:
        snapshot = await build()
        if self._following.get(event_id) == generation:
            latest = self._latest.get(event_id)
            if latest is None or snapshot.seq >= latest.seq:
                self._latest[event_id] = snapshot
        return snapshot
