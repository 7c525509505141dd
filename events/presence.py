"""Viewer counts across processes: how many watch a show, whichever process serves them.

Every LIVESHOP_PRESENCE_INTERVAL seconds each process reports its local count of each show with a
timestamp (to Redis when REDIS_URL is set; within the process on the embedded default), the sum
ignores processes that stopped reporting (LIVESHOP_PRESENCE_STALE_AFTER), and one process at a
time (a short Redis lease) publishes the total when it changed. A process that dies without running
its disconnect handlers therefore drops out of the count on its own.

What publishing a count means (recording it for the snapshot, then sending an unnumbered `viewers`
message) belongs to the services, which import the realtime fan-out; they hand it here as a
callback, wired in events.apps (`on_viewer_count`), so neither this module nor the fan-out imports
them.
"""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from django.conf import settings

from infrastructure.database import database_async

log = logging.getLogger(__name__)

# Records and publishes a show's viewer count: called as writer(event_id=..., count=...), in a
# thread (it may use the database). Set once at startup by events.apps.
ViewerCountWriter = Callable[..., object]
_viewer_count_writer: ViewerCountWriter | None = None


def on_viewer_count(writer: ViewerCountWriter | None) -> None:
    """Choose what every hub created from now on calls to publish a show's viewer count."""
    global _viewer_count_writer
    _viewer_count_writer = writer


class ViewerCounts:
    """One hub's part in the counts: it reports the shows it has viewers of (and, once, a show it
    no longer has any of), and publishes the total while it holds the lease."""

    def __init__(
        self,
        process_id: str,
        *,
        local_count: Callable[[int], int],
        keep_joined: Callable[[int], Awaitable[None]],
    ):
        self.backend = presence_backend(process_id)
        self._local_count = local_count
        self._keep_joined = keep_joined
        writer = _viewer_count_writer
        self._write = database_async(writer) if writer else None
        self._reported: set[int] = set()  # shows whose count this process must keep reporting
        self._published: dict[int, int] = {}

    def watch(self, event_id: int) -> None:
        """This process has a viewer of the show: report its count from now on."""
        self._reported.add(event_id)

    async def report_forever(self) -> None:
        while True:
            await asyncio.sleep(settings.LIVESHOP_PRESENCE_INTERVAL)
            for event_id in tuple(self._reported):
                try:
                    await self._report(event_id)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("Viewer count update failed for event %s", event_id)

    async def _report(self, event_id: int) -> None:
        local = self._local_count(event_id)
        if local:
            await self._keep_joined(event_id)
        else:
            self._reported.discard(event_id)
        total, is_leader = await self.backend.report(event_id, local)
        if is_leader and self._write is not None and self._published.get(event_id) != total:
            await self._write(event_id=event_id, count=total)
            self._published[event_id] = total

    async def close(self) -> None:
        await self.backend.close()


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
