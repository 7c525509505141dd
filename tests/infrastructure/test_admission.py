"""infrastructure/admission.py: a herd of HTTP requests waits its turn, and past the wait is told to come
back, without any of it running."""

import asyncio
import json

import pytest
from asgiref.testing import ApplicationCommunicator
from django.test import override_settings

from infrastructure.admission import BUSY_MESSAGE, AdmissionLimit

pytestmark = pytest.mark.asyncio


class HeldApp:
    """An ASGI app whose requests each wait until released; it records which ones ran."""

    def __init__(self):
        self.started: list[str] = []
        self.release = asyncio.Event()

    async def __call__(self, scope, receive, send):
        self.started.append(scope["path"])
        await self.release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": scope["path"].encode()})


def http(path: str, **headers: str) -> dict:
    return {
        "type": "http",
        "method": "POST",
        "path": path,
        "headers": [(k.replace("_", "-").encode(), v.encode()) for k, v in headers.items()],
    }


async def answer(app, scope) -> tuple[int, dict, bytes]:
    communicator = ApplicationCommunicator(app, scope)
    await communicator.send_input({"type": "http.request", "body": b""})
    start = await communicator.receive_output(timeout=5)
    body = await communicator.receive_output(timeout=5)
    return start["status"], dict(start["headers"]), body["body"]


@override_settings(LIVESHOP_HTTP_CONCURRENCY=2, LIVESHOP_HTTP_QUEUE_SECONDS=5)
async def test_requests_past_the_limit_wait_and_run_in_arrival_order():
    inner = HeldApp()
    app = AdmissionLimit(inner)

    answers = [asyncio.create_task(answer(app, http(f"/{i}"))) for i in range(5)]
    await asyncio.sleep(0.1)
    assert inner.started == ["/0", "/1"]  # two in, three waiting

    inner.release.set()
    results = await asyncio.gather(*answers)

    assert inner.started == ["/0", "/1", "/2", "/3", "/4"]
    assert [(status, body) for status, _, body in results] == [
        (200, f"/{i}".encode()) for i in range(5)
    ]


@override_settings(
    LIVESHOP_HTTP_CONCURRENCY=1, LIVESHOP_HTTP_QUEUE_SECONDS=0.2, LIVESHOP_HTTP_RETRY_AFTER=2
)
async def test_a_request_that_waited_too_long_is_told_to_retry_and_never_runs():
    inner = HeldApp()
    app = AdmissionLimit(inner)
    first = asyncio.create_task(answer(app, http("/checkout", accept="application/json")))
    await asyncio.sleep(0.05)

    status, headers, body = await answer(app, http("/cart", content_type="application/json"))

    assert status == 503
    assert headers[b"retry-after"] == b"2"
    assert headers[b"cache-control"] == b"no-store"
    assert json.loads(body) == {"error": BUSY_MESSAGE, "code": "busy"}
    assert inner.started == ["/checkout"]  # the refused one did not run

    # and a page (not JSON) is told in words
    status, headers, body = await answer(app, http("/events/"))
    assert (status, headers[b"content-type"], body.decode()) == (
        503,
        b"text/plain; charset=utf-8",
        BUSY_MESSAGE,
    )

    inner.release.set()
    assert (await first)[0] == 200
    assert (await answer(app, http("/after")))[0] == 200  # the slot came back


@override_settings(LIVESHOP_HTTP_CONCURRENCY=1, LIVESHOP_HTTP_QUEUE_SECONDS=0.1)
async def test_websockets_are_not_counted():
    held, others = HeldApp(), []

    async def inner(scope, receive, send):
        if scope["type"] == "http":
            return await held(scope, receive, send)
        others.append(scope["type"])

    app = AdmissionLimit(inner)
    slow = asyncio.create_task(answer(app, http("/slow")))
    await asyncio.sleep(0.05)

    # the only HTTP slot is taken; a websocket still goes straight through
    await app({"type": "websocket", "path": "/ws/"}, None, None)

    assert others == ["websocket"]
    held.release.set()
    assert (await slow)[0] == 200


@pytest.mark.django_db(transaction=True)
async def test_the_served_application_limits_http():
    from liveshop.asgi import application

    # the client's address first (infrastructure/client_address.py), then the protocols
    router = application.app.application_mapping["http"]
    assert isinstance(router, AdmissionLimit)
    scope = {**http("/"), "method": "GET", "server": ("127.0.0.1", 80)}
    assert (await answer(application, scope))[0] == 200
