"""The websocket fuzzed on a real server (issue 16, door 1): hundreds of connections from one
address send malformed, invalid-Unicode, deeply nested, oversized and nonsensical frames, and some
drop their TCP connection mid-frame. None is answered with a server error, and afterwards the
address's socket count, the show's viewer count and the server's memory are where they started."""

import asyncio
import json
import random
import string
from pathlib import Path

import pytest

from events.protocol import CLIENT_MESSAGES
from tests.events.conftest import open_show, session_cookie, wait_for_count
from tests.servers import asgi_server

pytestmark = pytest.mark.django_db(transaction=True)

CAP = 40  # sockets per address: a leaked one per connection would lock the address out at once
WAVES, PER_WAVE = 8, 25
SEED = 16


def values(rng: random.Random, depth: int = 0):
    """A JSON-ish value of any type, some of them what no field expects."""
    kinds = ["int", "big", "float", "str", "null", "bool", "list", "dict"]
    kind = rng.choice(kinds if depth < 4 else kinds[:6])
    if kind == "int":
        return rng.randint(-(2**63), 2**63)
    if kind == "big":
        return int("9" * rng.randint(20, 400))
    if kind == "float":
        return rng.choice([0.5, -1e308, 1e-320, 3.0])
    if kind == "str":
        alphabet = string.printable + "\u0000\u200b\u202e\ufeffé漢😀"
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 600)))
    if kind == "null":
        return None
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "list":
        return [values(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {rng.choice(["type", "ref", "body", "x"]): values(rng, depth + 1) for _ in range(3)}


def frame(rng: random.Random) -> str | bytes:
    """One frame that parses or not; every one is answered and the connection lives on."""
    kind = rng.randrange(9)
    if kind == 0:  # a real message type with fields of any type
        message = {"type": rng.choice(list(CLIENT_MESSAGES))}
        for name in ("ref", "body", "product_id", "text", "status", "seconds", "message_id"):
            if rng.random() < 0.5:
                message[name] = values(rng)
        return json.dumps(message)
    if kind == 1:
        return json.dumps(values(rng))
    if kind == 2:  # deeply nested
        depth = rng.choice([500, 1500, 2040, 5000])
        return "[" * depth + "]" * depth
    if kind == 3:  # escapes of lone surrogates
        return '{"type":"chat","body":"\\ud' + rng.choice("89ab") + '00 hi","ref":1}'
    if kind == 4:  # not JSON at all
        return "".join(rng.choice(string.printable) for _ in range(rng.randint(1, 200)))
    if kind == 5:  # over the message limit, within the transport's
        return "x" * rng.randint(4097, 60000)
    if kind == 6:  # what JSON does not have
        return rng.choice(['{"type":"ping","ref":NaN}', '{"type":"slow_mode","seconds":Infinity}'])
    if kind == 7:
        return rng.randbytes(rng.randint(1, 300))
    return '{"type":"chat","body":"a\\u0000b","ref":"nul"}'  # PostgreSQL cannot store a NUL


async def fuzz_one(server, slug: str, rng: random.Random, cookie: str | None) -> str:
    """One connection: its frames, then how it ends. Returns how it ended."""
    socket = await open_show(server, slug, cookie)
    frames = [frame(rng) for _ in range(rng.randint(3, 12))]
    for text in frames:
        await socket.send(text)
    ending = rng.choice(["close", "close", "abort", "invalid_utf8", "too_big"])
    if ending == "close":  # every frame answered, the connection alive, then a clean close
        await socket.send(json.dumps({"type": "ping", "ref": "alive?"}))
        async with asyncio.timeout(20):
            while True:
                reply = json.loads(await socket.recv())
                assert reply.get("code") != "server_error", reply
                if reply["type"] == "pong" and reply.get("ref") == "alive?":
                    break
        await socket.close()
    elif ending == "abort":  # the network goes, mid-frame
        socket.transport.write(b"\x81\xfe\x10\x00")  # a text frame's header, then nothing
        socket.transport.abort()
    elif ending == "invalid_utf8":  # a text frame that is not UTF-8: the transport refuses it
        await socket.send(b"\xff\xfe not utf-8", text=True)
        await socket.wait_closed()
        # autobahn fails it by dropping the TCP connection (1006), or closes it with 1007
        assert socket.close_code in (1006, 1007), socket.close_code
    else:  # over the transport's limit (daphne's --websocket-max-message-size)
        await socket.send("y" * 70000)
        await socket.wait_closed()
        assert socket.close_code in (1006, 1009), socket.close_code
    return ending


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_fuzzed_frames_from_many_connections_leave_counts_and_memory_where_they_were(
    live_event, viewer
):
    rng = random.Random(SEED)
    cookie = session_cookie(viewer).decode()
    env = {"LIVESHOP_MAX_SOCKETS_PER_IP": str(CAP), "LIVESHOP_PRESENCE_INTERVAL": "0.2"}

    async def scenario(server):
        watching = await open_show(server, live_event.slug)
        endings = []
        memory = []
        for wave in range(WAVES):
            endings += await asyncio.gather(
                *(
                    fuzz_one(server, live_event.slug, rng, cookie if n % 3 == 0 else None)
                    for n in range(PER_WAVE)
                )
            )
            if wave in (1, WAVES - 1):  # after a warm-up wave, and at the end
                await asyncio.sleep(1)
                memory.append(rss_kib(server.process.pid))
        # every way of ending was tried, each many times
        assert {e: endings.count(e) > 10 for e in set(endings)} == {
            "close": True,
            "abort": True,
            "invalid_utf8": True,
            "too_big": True,
        }
        # the show counts one viewer again
        await wait_for_count(watching, 1, timeout=15)
        # the address has every socket back: all but the watcher's may open at once
        again = [await open_show(server, live_event.slug) for _ in range(CAP - 1)]  # not refused
        for socket in again:
            await socket.close()
        await wait_for_count(watching, 1, timeout=15)
        await watching.close()
        return memory

    with asgi_server(**env) as server:
        warm, end = asyncio.run(scenario(server))
        server.log.seek(0)
        output = server.log.read().decode(errors="replace")
    # 150 connections after the warm-up: a consumer or a frame kept per connection would show
    assert end - warm < 12 * 1024, (warm, end)
    assert "Traceback" not in output, output
