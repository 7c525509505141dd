"""Redis goes down in the middle of a show, then comes back: viewers keep watching.

A real server process (daphne) uses a Redis of this test's own, started on a spare port, so that
the test can stop it (as a crash would: its data is lost) and start it again. While it is down, a
viewer's chat message is answered (the chat limits, counted in Redis, fail open) and the socket
stays open, and a viewer who reconnects gets the show. Once it is back, the server joins its groups
again and its viewers resynchronise: the host's next change reaches them.
"""

import asyncio
import json
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
import websockets

from events import chat as show_chat
from tests.events.conftest import SERVER_ORIGIN, next_of_type, run_node, session_cookie
from tests.servers import asgi_server, free_port

needs_redis_server = pytest.mark.skipif(
    not shutil.which("redis-server"), reason="needs redis-server (installed where CI runs)"
)


class OwnRedis:
    """A redis-server on a spare port, without persistence, that the test stops and starts."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        client.close()

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)


@contextmanager
def own_redis() -> Iterator[OwnRedis]:
    server = OwnRedis()
    server.start()
    try:
        yield server
    finally:
        server.kill()


async def open_show(server, slug, cookie=None, query=""):
    headers = {"Cookie": cookie} if cookie else {}
    socket = await websockets.connect(
        f"{server.ws}/ws/events/{slug}/{query}", origin=SERVER_ORIGIN, additional_headers=headers
    )
    state = json.loads(await socket.recv())
    assert state["type"] == "state"
    return socket, state


async def reply_to(socket, ref, timeout=10.0) -> dict:
    async with asyncio.timeout(timeout):
        while True:
            message = json.loads(await socket.recv())
            if message.get("ref") == ref and message["type"] in ("ok", "error"):
                return message


class DownCache:
    """A cache whose server does not answer."""

    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise redis.ConnectionError(
                "Error 111 connecting to 127.0.0.1:6379. Connection refused."
            )

        return fail


def test_the_chat_limits_let_messages_through_while_the_cache_is_down(
    live_event, viewer, published, monkeypatch, django_capture_on_commit_callbacks
):
    # given slow mode on, and a cache that cannot be reached
    live_event.chat_slow_mode_seconds = 30
    live_event.save(update_fields=["chat_slow_mode_seconds"])
    monkeypatch.setattr(show_chat, "cache", DownCache())

    # when a viewer chats, twice within the slow mode
    for body in ("first", "second"):
        with django_capture_on_commit_callbacks(execute=True):
            show_chat.chat_post(event=live_event, user=viewer, body=body)

    # then both go through (the limits fail open) and reach the viewers
    assert [m["message"]["body"] for m in published if m["type"] == "chat"] == ["first", "second"]


@needs_redis_server
@pytest.mark.django_db(transaction=True)
def test_viewers_keep_watching_through_a_redis_restart(live_event, show_products, host, viewer):
    viewer_cookie, host_cookie = session_cookie(viewer).decode(), session_cookie(host).decode()
    with (
        own_redis() as cache_and_layer,
        asgi_server(REDIS_URL=cache_and_layer.url, LIVESHOP_PRESENCE_INTERVAL="0.2") as server,
    ):

        async def scenario():
            watching, state = await open_show(server, live_event.slug, viewer_cookie)
            console, _ = await open_show(server, live_event.slug, host_cookie, "?console=1")

            # when Redis goes down mid-show
            cache_and_layer.kill()

            # then a viewer's chat message is answered, and their socket stays open
            await watching.send(json.dumps({"type": "chat", "body": "Still live?", "ref": 1}))
            answer = await reply_to(watching, 1)
            assert answer["type"] == "ok", answer
            # and a viewer who reconnects meanwhile gets the show
            rejoined, rejoined_state = await open_show(server, live_event.slug)
            assert rejoined_state["seq"] >= state["seq"]

            # when Redis is back, empty
            cache_and_layer.start()

            # then the server tells its viewers to resync, and they get the state they missed
            seqs = []
            for socket in (watching, rejoined, console):
                await next_of_type(socket, "resync")
                await socket.send(json.dumps({"type": "sync"}))
                resynced = await next_of_type(socket, "state")
                assert resynced["chat"][-1]["body"] == "Still live?"
                seqs.append(resynced["seq"])
            # and the host's next change reaches them: the server is in the show's group again
            await console.send(
                json.dumps({"type": "feature", "product_id": show_products[1].pk, "ref": 2})
            )
            assert (await reply_to(console, 2))["type"] == "ok"
            for socket, seq in zip((watching, rejoined), seqs, strict=False):
                featured = await next_of_type(socket, "featured")
                assert (featured["seq"], featured["product"]["title"]) == (seq + 1, "Robot Vacuum")
                assert socket.close_code is None
            for socket in (watching, rejoined, console):
                await socket.close()

        try:
            asyncio.run(scenario())
        except BaseException:
            print(server.output())  # shown with the failure
            raise


# --- The browser's client (static/js/live.js) ----------------------------------------------------

CLIENT = """
globalThis.WebSocket = class {
  static OPEN = 1;
  constructor() { this.readyState = 1; this.sent = []; }
  addEventListener() {}
  send(text) { this.sent.push(JSON.parse(text)); }
};
const delays = [];
globalThis.setTimeout = (run, ms) => { delays.push(ms); run(); };
const { LiveConnection } = await import(process.argv[1]);
const connection = new LiveConnection("ws://test/", { onState() {}, onMessage() {} });
for (const message of JSON.parse(process.argv[2])) connection.handle(message);
console.log(JSON.stringify({ seq: connection.seq, sent: connection.socket.sent, delays }));
"""


def run_client(messages: list[dict]) -> dict:
    live_js = Path(__file__).resolve().parents[2] / "static" / "js" / "live.js"
    return run_node(CLIENT, live_js, json.dumps(messages))


def test_the_page_asks_for_a_fresh_state_when_the_server_says_resync():
    result = run_client([{"type": "state", "seq": 4}, {"type": "resync"}])

    assert result["sent"] == [{"type": "sync"}]
    assert result["seq"] is None  # changes wait for the new state
    [delay] = result["delays"]
    assert 0 <= delay <= 2000  # spread, so that a whole audience does not ask at once


def test_after_a_recent_sync_the_page_waits_until_the_server_allows_another():
    result = run_client(
        [
            {"type": "state", "seq": 4},
            {"type": "banner", "seq": 6, "text": "after a gap"},  # asks for a state at once
            {"type": "state", "seq": 6},
            {"type": "resync"},
        ]
    )

    assert result["sent"] == [{"type": "sync"}, {"type": "sync"}]
    assert result["delays"][0] >= 2000  # the server allows one sync per 2 s


def test_a_resync_while_a_state_is_on_its_way_asks_for_nothing_more():
    result = run_client(
        [
            {"type": "state", "seq": 4},
            {"type": "banner", "seq": 6, "text": "gap"},
            {"type": "resync"},
        ]
    )

    assert result["sent"] == [{"type": "sync"}]
    assert result["delays"] == []
