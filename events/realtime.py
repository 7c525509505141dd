"""How a change reaches every viewer: one message per server process, then a local fan-out.

Channels' usual pattern puts every viewer's channel in a group, so one change becomes one
channel-layer message per viewer, each decoded, dispatched and JSON-encoded on its own. With
thousands of viewers that is most of the time from the host's click to the last viewer. Here each
server process joins an event's group with a single channel (its `Hub`); a change is encoded once,
sent once per process, and the hub writes the same frame to each of its local viewers.

The hub also counts its viewers for the show's viewer count across processes (events/presence.py).
"""

import asyncio
import contextlib
import gc
import json
import logging
import uuid
import weakref
from collections import defaultdict
from collections.abc import Awaitable
from typing import Protocol

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings

from events import protocol, selectors
from events.gc_freeze import Freezer
from events.presence import ViewerCounts
from events.show_cache import Shows, Snapshots
from infrastructure.closed_sockets import SEND_ON_CLOSED
from infrastructure.database import database_async

log = logging.getLogger(__name__)

FRAME = "event.frame"
# Sent to every local viewer once the channel layer answers again after failing: changes may have
# been lost meanwhile, so each client fetches a fresh state (docs/realtime.md).
RESYNC = '{"type":"resync"}'
VIEWERS_PREFIX = '{"type":"viewers",'


def group_name(event_id: int) -> str:
    return f"liveshop.event.{int(event_id)}"


def publish(event_id: int, message: dict) -> None:
    """Send `message` to every viewer of the event, on every process. Call it after the commit."""
    async_to_sync(publish_async)(event_id, message)


async def publish_async(event_id: int, message: dict, *, tries: int = 3) -> None:
    frame = {
        "type": FRAME,
        "event_id": event_id,
        "seq": message.get("seq"),
        "text": protocol.encode(message),
    }
    for attempt in range(1, tries + 1):
        try:
            await get_channel_layer().group_send(group_name(event_id), frame)
            return
        except Exception:
            # After Redis restarts, each connection pooled before fails once, then reconnects. A
            # frame sent twice is harmless: clients ignore a `seq` they already have.
            if attempt == tries:
                raise


class Viewer(Protocol):
    counts_as_viewer: bool

    def deliver(self, seq: int | None, frame: dict) -> Awaitable | None:
        """Send `frame` (an ASGI websocket.send message), or hold it; return what to await."""


class Hub:
    """This process's viewers, by event, for one event loop."""

    def __init__(self):
        self.layer = get_channel_layer()
        # What a connect reads, shared by this process's viewers (events/show_cache.py).
        self.shows = Shows(database_async(selectors.open_event))
        self.snapshots = Snapshots()
        self._joining: dict[int, asyncio.Future] = {}
        self.freezer = Freezer(lambda: sum(len(v) for v in self.viewers.values()))
        self.process_id = uuid.uuid4().hex
        self.viewers: dict[int, set[Viewer]] = defaultdict(set)
        self.channel: str | None = None
        self.counts = ViewerCounts(
            self.process_id, local_count=self.local_count, keep_joined=self._keep_joined
        )
        self._start_lock = asyncio.Lock()
        self._tasks: list[asyncio.Task] = []

    async def join(self, event_id: int, viewer: Viewer) -> None:
        """Add a viewer; returns once the hub is in the show's group (or failed to join it)."""
        await self._start()
        first_here = not self.viewers[event_id]
        self.viewers[event_id].add(viewer)
        self.freezer.joined()
        self.counts.watch(event_id)
        if first_here:
            self._joining[event_id] = asyncio.ensure_future(self._follow(event_id))
        joining = self._joining.get(event_id)
        if joining is not None:
            # Viewers arriving while the first one's group_add runs wait for it too: before it,
            # the hub would not see the changes that follow their snapshot.
            await asyncio.shield(joining)

    async def _follow(self, event_id: int) -> None:
        try:
            await self.layer.group_add(group_name(event_id), self.channel)
        except Exception:
            # Redis is down: the viewer still gets the show's state (from the database), and
            # the hub joins the group once the channel layer answers again (`_rejoin`).
            log.warning("Could not join the group of event %s", event_id, exc_info=True)
        else:
            if self.viewers.get(event_id) and self._joining.get(event_id) is asyncio.current_task():
                self.snapshots.follow(event_id)
        finally:
            if self._joining.get(event_id) is asyncio.current_task():
                del self._joining[event_id]

    async def snapshot(self, event_id: int, build) -> tuple[int, str]:
        """The `seq` and encoded `state` for a viewer that has joined: see events/show_cache.py."""
        return await self.snapshots.get(event_id, build)

    async def leave(self, event_id: int, viewer: Viewer) -> None:
        viewers = self.viewers.get(event_id)
        if viewers is None:
            return
        viewers.discard(viewer)
        if not viewers:
            del self.viewers[event_id]
            self._joining.pop(event_id, None)
            self.snapshots.unfollow(event_id)
            try:
                await self.layer.group_discard(group_name(event_id), self.channel)
            except Exception:  # Redis is down: at worst the hub gets changes for nobody
                log.warning("Could not leave the group of event %s", event_id, exc_info=True)

    def local_count(self, event_id: int) -> int:
        return sum(1 for v in self.viewers.get(event_id, ()) if v.counts_as_viewer)

    async def _start(self) -> None:
        async with self._start_lock:
            if self.channel is not None:
                return
            # The default prefix: channels_redis reads every process-local channel from one key.
            self.channel = await self.layer.new_channel()
            self._tasks = [
                asyncio.create_task(self._receive_forever(), name="liveshop-hub-receive"),
                asyncio.create_task(self.counts.report_forever(), name="liveshop-hub-presence"),
                asyncio.create_task(self.freezer.run(), name="liveshop-hub-gc"),
            ]

    async def _receive_forever(self) -> None:
        while True:
            try:
                message = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("Hub could not receive from the channel layer; retrying")
                await self._rejoin()
                continue
            if message.get("type") == FRAME:
                await self.fan_out(message["event_id"], message.get("seq"), message["text"])

    async def _rejoin(self) -> None:
        """After the channel layer failed (Redis down): once it answers, join this process's groups
        again, since a restarted Redis has forgotten them, and have every local viewer resync,
        since the changes sent meanwhile never arrived."""
        self.snapshots.unfollow_all()  # snapshots come from the database until the hub is back
        while True:
            await asyncio.sleep(1)
            try:
                for event_id in tuple(self.viewers):
                    await self.layer.group_add(group_name(event_id), self.channel)
                    self.snapshots.follow(event_id)
                break
            except asyncio.CancelledError:
                raise
            except Exception:
                log.debug("The channel layer is still down", exc_info=True)
        for event_id in tuple(self.viewers):
            await self.fan_out(event_id, None, RESYNC)

    async def fan_out(self, event_id: int, seq: int | None, text: str) -> None:
        # One frame object for everyone; the loop allocates nothing per viewer. The collector is
        # paused meanwhile: with thousands of connections alive, a full collection in the middle
        # of a fan-out would add a long pause for the viewers not reached yet.
        if settings.LIVESHOP_PROTOCOL_CHECKS:
            protocol.check_sent(text)
        if seq is not None:
            # Before anyone gets it: a viewer joining from now on needs a snapshot this recent.
            self.snapshots.saw_change(event_id, seq)
        elif text.startswith(VIEWERS_PREFIX):
            self.snapshots.saw_viewers(event_id, json.loads(text)["count"])
        frame = {"type": "websocket.send", "text": text}
        collecting = gc.isenabled()
        gc.disable()
        try:
            for viewer in tuple(self.viewers.get(event_id, ())):
                try:
                    sending = viewer.deliver(seq, frame)
                    if sending is not None:
                        await sending
                except SEND_ON_CLOSED:  # gone a moment ago: its disconnect follows
                    pass
                except Exception:  # one broken connection must not stop the others
                    log.warning(
                        "Could not deliver to a viewer of event %s", event_id, exc_info=True
                    )
        finally:
            if collecting:
                gc.enable()

    async def _keep_joined(self, event_id: int) -> None:
        """Join the show's group again: membership expires in Redis unless renewed."""
        await self.layer.group_add(group_name(event_id), self.channel)

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks = []
        await self.counts.close()


_hubs: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub]" = weakref.WeakKeyDictionary()


def get_hub() -> Hub:
    """The hub of the running event loop (one per server process in production)."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        hub = _hubs[loop] = Hub()
    return hub


async def close_hub() -> None:
    hub = _hubs.pop(asyncio.get_running_loop(), None)
    if hub is not None:
        await hub.close()
