"""How a change reaches every viewer: one message per server process, then a local fan-out.

Channels' usual pattern puts every viewer's channel in a group, so one change becomes one
channel-layer message per viewer, each decoded, dispatched and JSON-encoded on its own. With
thousands of viewers that is most of the time from the host's click to the last viewer. Here each
server process joins an event's group with a single channel (its `Hub`); a change is encoded once,
sent once per process, and the hub writes the same frame to each of its local viewers.

The hub also keeps the viewer count right across processes: every few seconds each process reports
its local count with a timestamp (to Redis when REDIS_URL is set), the sum ignores processes that
stopped reporting, and one process at a time (a short Redis lease) publishes the total. A process
that dies without running its disconnect handlers therefore drops out of the count on its own.
What publishing a count means (recording it for the snapshot, then sending an unnumbered `viewers`
message) belongs to the services, which import this module; they hand it to the hub as a callback,
wired in events.apps (`on_viewer_count`), so this module never imports them.
"""

import asyncio
import contextlib
import gc
import json
import logging
import time
import uuid
import weakref
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Protocol

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder

from events import protocol, selectors
from events.gc_freeze import Freezer
from events.snapshots import Shows, Snapshots
from infrastructure.database import database_async

log = logging.getLogger(__name__)

FRAME = "event.frame"
# Sent to every local viewer once the channel layer answers again after failing: changes may have
# been lost meanwhile, so each client fetches a fresh state (docs/realtime.md).
RESYNC = '{"type":"resync"}'
VIEWERS_PREFIX = '{"type":"viewers",'

# Records and publishes a show's viewer count: called as writer(event_id=..., count=...), in a
# thread (it may use the database). Set once at startup by events.apps.
ViewerCountWriter = Callable[..., object]
_viewer_count_writer: ViewerCountWriter | None = None


def on_viewer_count(writer: ViewerCountWriter | None) -> None:
    """Choose what every hub created from now on calls to publish a show's viewer count."""
    global _viewer_count_writer
    _viewer_count_writer = writer


def group_name(event_id: int) -> str:
    return f"liveshop.event.{int(event_id)}"


def encode(message: dict) -> str:
    return json.dumps(message, cls=DjangoJSONEncoder, separators=(",", ":"), ensure_ascii=False)


def publish(event_id: int, message: dict) -> None:
    """Send `message` to every viewer of the event, on every process. Call it after the commit."""
    async_to_sync(publish_async)(event_id, message)


async def publish_async(event_id: int, message: dict, *, tries: int = 3) -> None:
    frame = {
        "type": FRAME,
        "event_id": event_id,
        "seq": message.get("seq"),
        "text": encode(message),
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

    def __init__(self, *, viewer_count_writer: ViewerCountWriter | None = None):
        self.layer = get_channel_layer()
        self._write_viewer_count = (
            database_async(viewer_count_writer) if viewer_count_writer else None
        )
        # What a connect reads, shared by this process's viewers (events/snapshots.py).
        self.shows = Shows(database_async(selectors.open_event))
        self.snapshots = Snapshots()
        self._joining: dict[int, asyncio.Future] = {}
        self.freezer = Freezer(lambda: sum(len(v) for v in self.viewers.values()))
        self.process_id = uuid.uuid4().hex
        self.viewers: dict[int, set[Viewer]] = defaultdict(set)
        self.channel: str | None = None
        self.presence = presence_backend(self.process_id)
        self._reported: set[int] = set()  # events whose count this process must keep reporting
        self._published: dict[int, int] = {}
        self._start_lock = asyncio.Lock()
        self._tasks: list[asyncio.Task] = []

    async def join(self, event_id: int, viewer: Viewer) -> None:
        """Add a viewer; returns once the hub is in the show's group (or failed to join it)."""
        await self._start()
        first_here = not self.viewers[event_id]
        self.viewers[event_id].add(viewer)
        self.freezer.joined()
        self._reported.add(event_id)
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
        """The `seq` and encoded `state` for a viewer that has joined: see events/snapshots.py."""
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
                asyncio.create_task(self._presence_forever(), name="liveshop-hub-presence"),
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
                except Exception:  # one broken connection must not stop the others
                    log.warning(
                        "Could not deliver to a viewer of event %s", event_id, exc_info=True
                    )
        finally:
            if collecting:
                gc.enable()

    async def _presence_forever(self) -> None:
        while True:
            await asyncio.sleep(settings.LIVESHOP_PRESENCE_INTERVAL)
            for event_id in tuple(self._reported):
                try:
                    local = self.local_count(event_id)
                    if local:
                        # Keeps this process in the group where group membership expires (Redis).
                        await self.layer.group_add(group_name(event_id), self.channel)
                    else:
                        self._reported.discard(event_id)
                    total, is_leader = await self.presence.report(event_id, local)
                    if (
                        is_leader
                        and self._write_viewer_count is not None
                        and self._published.get(event_id) != total
                    ):
                        await self._write_viewer_count(event_id=event_id, count=total)
                        self._published[event_id] = total
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("Viewer count update failed for event %s", event_id)

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks = []
        await self.presence.close()


_hubs: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub]" = weakref.WeakKeyDictionary()


def get_hub() -> Hub:
    """The hub of the running event loop (one per server process in production)."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        hub = _hubs[loop] = Hub(viewer_count_writer=_viewer_count_writer)
    return hub


async def close_hub() -> None:
    hub = _hubs.pop(asyncio.get_running_loop(), None)
    if hub is not None:
        await hub.close()


# --- Viewer counts across processes -------------------------------------------------------------


class LocalPresence:
    """One process (the embedded default): the local count is the count."""

    async def report(self, event_id: int, local_count: int) -> tuple[int, bool]:
        return local_count, True

    async def close(self) -> None:
        pass


class RedisPresence:
    """Each process writes `count:timestamp` into a hash per event; stale entries are ignored."""

    def __init__(self, url: str, process_id: str):
        import redis.asyncio as redis

        self.redis = redis.from_url(url)
        self.process_id = process_id
        self.stale_after = settings.LIVESHOP_PRESENCE_STALE_AFTER
        self.lease_seconds = max(1, round(self.stale_after))

    async def report(self, event_id: int, local_count: int) -> tuple[int, bool]:
        key = f"{settings.LIVESHOP_REDIS_PREFIX}:presence:{event_id}"
        lease = f"{settings.LIVESHOP_REDIS_PREFIX}:presence-leader:{event_id}"
        now = time.time()
        async with self.redis.pipeline(transaction=False) as pipe:
            if local_count:
                pipe.hset(key, self.process_id, f"{local_count}:{now:.3f}")
            else:
                pipe.hdel(key, self.process_id)
            pipe.expire(key, self.lease_seconds * 6)
            pipe.hgetall(key)
            pipe.set(lease, self.process_id, nx=True, ex=self.lease_seconds)
            pipe.get(lease)
            *_, entries, _, holder = await pipe.execute()
        total, stale = 0, []
        for process, value in entries.items():
            count, _, stamp = value.decode().partition(":")
            if now - float(stamp) > self.stale_after:
                stale.append(process)
            else:
                total += int(count)
        if stale:
            await self.redis.hdel(key, *stale)
        is_leader = holder is not None and holder.decode() == self.process_id
        if is_leader:
            await self.redis.expire(lease, self.lease_seconds)
        return total, is_leader

    async def close(self) -> None:
        await self.redis.aclose()


def presence_backend(process_id: str):
    if settings.REDIS_URL:
        return RedisPresence(settings.REDIS_URL, process_id)
    return LocalPresence()
