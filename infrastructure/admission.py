"""At most a few HTTP requests in Django at once per process; the rest wait their turn, briefly.

Django's ASGI handler runs each request's view on a thread of its own, however many arrive. When a
flash deal makes thousands of viewers buy in the same second, a process would run thousands of
threads fighting over one interpreter lock and a few pooled database connections: a row lock taken
by one checkout is then held for as long as the thread waits for its next turn, and every buyer
waits behind it (measured: docs/benchmarks.md, the flash sale).

This ASGI middleware lets `LIVESHOP_HTTP_CONCURRENCY` requests into Django at once, in arrival
order. A request that waited `LIVESHOP_HTTP_QUEUE_SECONDS` without its turn is answered
`503 Service Unavailable` with `Retry-After` and, for a JSON client, `{"code": "busy"}`: nothing
of it ran, so any request may be sent again (static/js/buy.js does). Websockets are not counted.
"""

import asyncio
import json

from django.conf import settings

BUSY_MESSAGE = "Liveshop is very busy right now; try again in a moment."


class AdmissionLimit:
    def __init__(self, app):
        self.app = app
        self._slots: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        slots = self._slots_of(asyncio.get_running_loop())
        try:
            async with asyncio.timeout(settings.LIVESHOP_HTTP_QUEUE_SECONDS):
                await slots.acquire()
        except TimeoutError:
            return await _busy(scope, send)
        try:
            return await self.app(scope, receive, send)
        finally:
            slots.release()

    def _slots_of(self, loop: asyncio.AbstractEventLoop) -> asyncio.Semaphore:
        """The server's one loop has one semaphore (a test may run the app in loops of its own)."""
        if self._loop is not loop:
            self._slots = asyncio.Semaphore(settings.LIVESHOP_HTTP_CONCURRENCY)
            self._loop = loop
        return self._slots


async def _busy(scope, send) -> None:
    headers = dict(scope.get("headers") or [])
    wants_json = b"json" in headers.get(b"accept", b"") + headers.get(b"content-type", b"")
    if wants_json:
        body, kind = (
            json.dumps({"error": BUSY_MESSAGE, "code": "busy"}).encode(),
            b"application/json",
        )
    else:
        body, kind = BUSY_MESSAGE.encode(), b"text/plain; charset=utf-8"
    retry_after = str(max(1, round(settings.LIVESHOP_HTTP_RETRY_AFTER))).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [
                (b"content-type", kind),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", retry_after),
                (b"cache-control", b"no-store"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
