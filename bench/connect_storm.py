"""Connect storm: N viewers arrive together, C at a time; every one must get the `state` snapshot.

Counts snapshots received and errors by kind (closed before the handshake answer, refused,
timeouts, closed after the handshake); connections per second is snapshots over the time from the
first connect to the last snapshot. The herd stays connected until the last one is in, and the
server's resident memory is read before the first viewer and with all of them connected: the
memory benchmark's growth per idle viewer.
"""

import asyncio
import gc
import json
import time
from collections import Counter

from bench import lib


async def storm(urls: list[str], n: int, concurrency: int, *, timeout: float = 60, rss=None):
    """Connect `n` viewers to `urls` (round robin), `concurrency` at a time; see the module doc."""
    gate = asyncio.Semaphore(concurrency)
    errors: Counter = Counter()
    sockets, waits = [], []
    last = 0.0

    async def one(i: int) -> None:
        nonlocal last
        async with gate:
            began = time.perf_counter()
            try:
                ws = await lib.ws_connect(
                    urls[i % len(urls)], lib.SOURCES[i % len(lib.SOURCES)], timeout=timeout
                )
            except Exception as exc:
                errors[lib.classify(exc)] += 1
                return
            try:
                text = await asyncio.wait_for(ws.recv(), timeout)
                if json.loads(text).get("type") != "state":
                    errors["first message not a state"] += 1
                    await ws.close()
                    return
            except Exception as exc:
                errors[lib.classify(exc)] += 1
                await ws.close()
                return
            sockets.append(ws)
            last = time.perf_counter()
            waits.append((last - began) * 1000)

    before = rss() if rss else 0
    gc.collect()
    start = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(n)))
    elapsed = (last or time.perf_counter()) - start
    await asyncio.sleep(0.5)  # let the server settle before reading its memory
    after = rss() if rss else 0
    # Viewers closed by the server after their snapshot count too (e.g. 4430, too many per address).
    closed_later = sum(1 for s in sockets if s.close_code is not None)
    await asyncio.gather(*(s.close() for s in sockets), return_exceptions=True)
    snapshots = len(waits)
    return {
        "viewers": n,
        "concurrency": concurrency,
        "snapshots": snapshots,
        "errors": dict(errors),
        "error_count": sum(errors.values()),
        "closed_after_snapshot": closed_later,
        "seconds": round(elapsed, 3),
        "per_second": round(snapshots / elapsed, 1) if elapsed > 0 else 0.0,
        "wait_ms": lib.latency_summary(waits),
        "rss_before": before,
        "rss_after": after,
        "rss_per_viewer": round((after - before) / snapshots) if snapshots and rss else None,
    }


def against(srvs: list[lib.Server], n: int, concurrency: int, *, liveshop: bool) -> dict:
    urls = [lib.viewer_url(s, liveshop) for s in srvs]
    # Warm up: the first connection loads the code the others share.
    asyncio.run(storm(urls, len(urls), len(urls)))

    def rss() -> int:
        return sum(s.rss() for s in srvs)

    result = asyncio.run(storm(urls, n, concurrency, rss=rss))
    result["processes"] = len(srvs)
    return result


def describe(name: str, r: dict) -> str:
    return (
        f"{name:>28}: {r['snapshots']}/{r['viewers']} snapshots, {r['error_count']} errors "
        f"{r['errors'] or ''} in {r['seconds']} s ({r['per_second']}/s), "
        f"RSS +{(r['rss_after'] - r['rss_before']) / 2**20:.1f} MiB"
    )
