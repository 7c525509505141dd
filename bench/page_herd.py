"""Event page herd: anonymous GETs of the live event page against a trivial Django view.

K keep-alive connections (spread over source addresses) send R requests in all, as fast as the
server answers, first to `/bench/trivial/` (bench/urls.py: the same server process, the same
middleware, a view that returns "ok"), then to the live show's page. Requests per second and
p50/p99 of each request; any answer but 200 is an error.
"""

import asyncio
import time
from collections import Counter

from bench import lib


async def herd(port: int, path: str, *, requests: int, connections: int) -> dict:
    statuses: Counter = Counter()
    waits: list[float] = []
    todo = iter(range(requests))

    async def worker(i: int) -> None:
        client = lib.HTTPClient(port, lib.SOURCES[i % len(lib.SOURCES)])
        try:
            for _ in todo:
                began = time.perf_counter()
                try:
                    status, _body = await client.request(
                        "GET", path, headers={"Accept": "text/html"}
                    )
                except Exception as exc:
                    statuses[type(exc).__name__] += 1
                    continue
                waits.append((time.perf_counter() - began) * 1000)
                statuses[status] += 1
        finally:
            await client.close()

    start = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(connections)))
    elapsed = time.perf_counter() - start
    ok = statuses.get(200, 0)
    return {
        "path": path,
        "requests": requests,
        "connections": connections,
        "ok": ok,
        "errors": {str(k): v for k, v in statuses.items() if k != 200},
        "error_count": requests - ok,
        "per_second": round(ok / elapsed, 1),
        "latency_ms": lib.latency_summary(waits),
    }


def run(shop: lib.Liveshop, *, requests: int, connections: int) -> dict:
    with lib.server("daphne", shop.env) as srv:
        # Warm up both paths (imports, templates, the first query plans).
        for path in ("/bench/trivial/", f"/events/{lib.SLUG}/"):
            asyncio.run(herd(srv.port, path, requests=20, connections=2))
        trivial = asyncio.run(
            herd(srv.port, "/bench/trivial/", requests=requests, connections=connections)
        )
        page = asyncio.run(
            herd(srv.port, f"/events/{lib.SLUG}/", requests=requests, connections=connections)
        )
    return {"trivial": trivial, "page": page, "database": shop.name}


def describe(r: dict) -> str:
    t, p = r["trivial"], r["page"]
    return (
        f"{'event page herd':>28}: page {p['per_second']}/s p99 {p['latency_ms']['p99']} ms "
        f"errors {p['errors']}; trivial {t['per_second']}/s p99 {t['latency_ms']['p99']} ms "
        f"errors {t['errors']}"
    )
