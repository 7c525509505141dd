"""Fan-out: from the host's command to the last of N viewers, Liveshop against the floor.

N viewers connect (not timed here: see the connect storm), then in each round the host features a
product; the time runs from the moment the host's command is sent to the moment the last viewer
has the `featured` message. Most viewers only count `featured` frames; `PROBES` of them parse every
message and check its `seq` (gaps are lost messages, repeats duplicates). At the end every counter
must have exactly one frame per round: fewer are lost, more duplicated.
"""

import asyncio
import gc
import json
import time

from bench import lib

PROBES = 50
ROUND_TIMEOUT = 30.0
# The host stays within the websocket flood limit (20 messages in 10 s per connection).
PAUSE = 0.6


class Round:
    def __init__(self, index: int, viewers: int):
        self.index, self.remaining = index, viewers
        self.done = asyncio.Event()
        self.last = 0.0


async def connect_all(urls: list[str], n: int, concurrency: int = 200) -> tuple[list, int]:
    """Connect `n` viewers (round robin over `urls`), retrying each up to 3 times; read their
    snapshots. Returns the sockets with their snapshot's seq, and how many could not connect."""
    gate = asyncio.Semaphore(concurrency)

    async def one(i: int):
        for attempt in range(3):
            async with gate:
                try:
                    ws = await lib.ws_connect(
                        urls[i % len(urls)], lib.SOURCES[i % len(lib.SOURCES)]
                    )
                    state = json.loads(await asyncio.wait_for(ws.recv(), 60))
                    return ws, state.get("seq")
                except Exception:
                    await asyncio.sleep(0.5 * (attempt + 1))
        return None

    got = await asyncio.gather(*(one(i) for i in range(n)))
    return [g for g in got if g], sum(1 for g in got if not g)


async def rounds_against(
    viewer_urls: list[str],
    host_url: str,
    host_headers: dict,
    n: int,
    rounds: int,
    products: list[int],
) -> dict:
    viewers, unconnected = await connect_all(viewer_urls, n)
    host = await lib.ws_connect(host_url, lib.SOURCES[-1], headers=host_headers)
    await host.recv()
    gc.collect()
    gc.freeze()  # the client's own collector must not pause in the middle of a round
    current = Round(-1, 0)
    counts = [0] * len(viewers)
    probe = {"duplicated": 0, "gaps": 0}

    def saw_featured(i: int) -> None:
        counts[i] += 1
        if counts[i] == current.index + 1:
            current.remaining -= 1
            if current.remaining == 0:
                current.last = time.perf_counter()
                current.done.set()

    async def count(i: int, ws) -> None:
        async for text in ws:
            if '"featured"' in text[:40]:
                saw_featured(i)

    async def check(i: int, ws, seq: int | None) -> None:
        last = seq
        async for text in ws:
            message = json.loads(text)
            if "seq" in message:
                if last is not None and message["seq"] <= last:
                    probe["duplicated"] += 1
                    continue
                if last is not None and message["seq"] > last + 1:
                    probe["gaps"] += message["seq"] - last - 1
                last = message["seq"]
            if message.get("type") == "featured":
                saw_featured(i)

    async def drain() -> None:
        async for _ in host:
            pass

    tasks = [
        asyncio.create_task(check(i, ws, seq) if i < PROBES else count(i, ws))
        for i, (ws, seq) in enumerate(viewers)
    ]
    tasks.append(asyncio.create_task(drain()))
    latencies, incomplete = [], 0
    try:
        for r in range(rounds):
            await asyncio.sleep(PAUSE)
            current = Round(r, len(viewers))
            product = products[r % len(products)]
            sent = time.perf_counter()
            await host.send(json.dumps({"type": "feature", "product_id": product}))
            try:
                await asyncio.wait_for(current.done.wait(), ROUND_TIMEOUT)
                latencies.append((current.last - sent) * 1000)
            except TimeoutError:
                incomplete += 1
        await asyncio.sleep(1)  # late frames still count as received
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await asyncio.gather(
            *(ws.close() for ws, _ in viewers), host.close(), return_exceptions=True
        )
        gc.unfreeze()
    lost = sum(max(0, rounds - c) for c in counts)
    duplicated = sum(max(0, c - rounds) for c in counts) + probe["duplicated"]
    return {
        "viewers": n,
        "connected": len(viewers),
        "unconnected": unconnected,
        "rounds": rounds,
        "latency_ms": lib.latency_summary(latencies),
        "incomplete_rounds": incomplete,
        "lost": lost,
        "duplicated": duplicated,
        "probe_gaps": probe["gaps"],
        "probes": min(PROBES, len(viewers)),
    }


def against(srvs: list[lib.Server], n: int, rounds: int, *, shop: lib.Liveshop | None) -> dict:
    """Fan-out to `n` viewers split evenly over `srvs`, the host on the first; `shop` None for the
    floor."""
    liveshop = shop is not None
    urls = [lib.viewer_url(s, liveshop) for s in srvs]
    host_url = urls[0] + ("?console=1" if liveshop else "")
    headers = {"Cookie": shop.host_cookie} if liveshop else {}
    products = shop.products if liveshop else list(range(1, 9))
    result = asyncio.run(rounds_against(urls, host_url, headers, n, rounds, products))
    result["processes"] = len(srvs)
    return result


def describe(name: str, r: dict) -> str:
    lat = r["latency_ms"]
    return (
        f"{name:>28}: p50 {lat['p50']} ms p99 {lat['p99']} ms max {lat['max']} ms, "
        f"{r['connected']}/{r['viewers']} connected, lost {r['lost']}, "
        f"duplicated {r['duplicated']}, incomplete rounds {r['incomplete_rounds']}"
    )
