"""Fixtures for live shows: a brand with a show, its staff, and websocket clients."""

import asyncio
import json
import shutil
import subprocess
import time
from datetime import timedelta
from pathlib import Path

import pytest
import pytest_asyncio
import websockets
from channels.db import database_sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.contrib.auth import get_user_model
from django.db import connections
from django.test import Client
from django.utils import timezone

from catalog.models import Membership
from events import realtime, scheduling
from events.models import LiveEvent
from liveshop.asgi import application

ORIGIN = (b"origin", b"http://127.0.0.1:8000")


@pytest.fixture
def brand(make_merchant):
    return make_merchant("waltmart")


@pytest.fixture
def show_products(brand, make_product):
    return [
        make_product(
            brand, "Noise-Cancelling Headphones", variants=[{"price": 19900, "stock_on_hand": 40}]
        ),
        make_product(brand, "Robot Vacuum", variants=[{"price": 24900, "stock_on_hand": 3}]),
        make_product(brand, "Air Fryer", variants=[{"price": 11900, "stock_on_hand": 0}]),
    ]


@pytest.fixture
def make_event(brand, show_products):
    def make(slug="cyber-week-live", *, status=LiveEvent.Status.LIVE, merchant=None, products=None):
        event = LiveEvent.objects.create(
            merchant=merchant or brand,
            title=slug.replace("-", " ").title(),
            slug=slug,
            host_name="Jason Derulo",
            scheduled_start=timezone.now() + timedelta(days=2),
            stream_url="https://stream.example/live/index.m3u8",
            status=status,
        )
        scheduling.run_of_show_set(
            event=event,
            product_ids=[p.pk for p in (show_products if products is None else products)],
        )
        return event

    return make


@pytest.fixture
def live_event(make_event):
    return make_event()


@pytest.fixture
def host(brand, make_staff):
    return make_staff(brand, Membership.Role.HOST, username="host")


@pytest.fixture
def viewer(db):
    return get_user_model().objects.create_user("viewer", "viewer@example.com", "viewer-password")


@pytest.fixture
def published(monkeypatch):
    """Every message the services publish, in order (captured instead of sent), without the `at`
    of numbered changes (the server time each was made: checked here to be now, then left out so
    that tests compare what changed)."""
    sent = []

    def capture(event_id, message):
        if "seq" in message:
            message = dict(message)
            assert abs(message.pop("at") - time.time() * 1000) < 60_000, message
        sent.append(message)

    monkeypatch.setattr(realtime, "publish", capture)
    return sent


def without_at(message: dict) -> dict:
    """A numbered change as received, without its `at` (the server time it was made)."""
    assert isinstance(message.get("at"), int), message
    return {name: value for name, value in message.items() if name != "at"}


def session_cookie(user) -> bytes:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


@pytest_asyncio.fixture
async def connect(settings):
    """Open websocket connections to a show, as a guest or as `user`; all closed afterwards."""
    # Viewer counts take a seq too; tests about counts shorten this interval themselves.
    settings.LIVESHOP_PRESENCE_INTERVAL = 3600
    channel_layers.backends.clear()  # a fresh layer for this test's event loop
    opened = []

    async def open_connection(
        slug="cyber-week-live", user=None, origin=ORIGIN, query="", expect_state=True, cookie=None
    ):
        headers = [origin] if origin else []
        if user is not None:
            cookie = await database_sync_to_async(session_cookie)(user)
        if cookie is not None:
            headers.append((b"cookie", cookie))
        path = f"/ws/events/{slug}/" + (f"?{query}" if query else "")
        communicator = WebsocketCommunicator(application, path, headers=headers)
        connected, code = await communicator.connect()
        communicator.close_code = code
        communicator.connected = connected
        opened.append(communicator)
        if connected and expect_state:
            communicator.state = await communicator.receive_json_from(timeout=5)
        return communicator

    yield open_connection
    for communicator in opened:
        await communicator.disconnect()
    await realtime.close_hub()
    # The tests' own database calls (database_sync_to_async) share one thread: leave it without a
    # connection, so that the test database can be dropped at the end of the run.
    await database_sync_to_async(connections.close_all)()


async def receive_type(communicator, kind, timeout=3):
    """The next message of type `kind`, skipping others (such as viewer counts)."""
    while True:
        message = await communicator.receive_json_from(timeout=timeout)
        if message["type"] == kind:
            return message


# --- Clients of a real server (tests/servers.py) --------------------------------------------------

SERVER_ORIGIN = "http://127.0.0.1"


async def open_show(server, slug, cookie=None, query=""):
    """A websocket to `server`'s show `slug` (as the user of session `cookie`), its state read."""
    headers = {"Cookie": cookie} if cookie else {}
    socket = await websockets.connect(
        f"{server.ws}/ws/events/{slug}/{query}", origin=SERVER_ORIGIN, additional_headers=headers
    )
    state = json.loads(await socket.recv())
    assert state["type"] == "state"
    return socket


async def next_of_type(socket, kind, timeout=10.0) -> dict:
    async with asyncio.timeout(timeout):
        while True:
            message = json.loads(await socket.recv())
            if message["type"] == kind:
                return message


async def wait_for_count(socket, count, timeout=10.0) -> None:
    """Until the show's `viewers` count reaches `count`."""
    async with asyncio.timeout(timeout):
        while (await next_of_type(socket, "viewers", timeout))["count"] != count:
            pass


def run_node(script: str, module: Path, *args: str):
    """Run `script` (an ES module, given `module`'s file URL and `args` in process.argv) under
    Node, and return the JSON it prints. Skips where Node is missing."""
    node = shutil.which("node")
    if node is None:
        pytest.skip(f"needs Node.js to run {module.name}")
    result = subprocess.run(
        [node, "--input-type=module", "-e", script, module.as_uri(), *args],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return json.loads(result.stdout)
