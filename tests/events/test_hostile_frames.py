"""Frames that used to kill a viewer's consumer (issue 16, door 1): every frame that fails to parse
or validate gets an error reply and the connection lives on, and whatever ends a connection gives
back what it counted (its address's socket count, its place among the show's viewers)."""

import asyncio
import gc

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from events import consumers, realtime
from events.models import ChatMessage, LiveEvent
from liveshop.asgi import application
from tests.events.conftest import ORIGIN, receive_type

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

HOSTILE = [
    ("[" * 5000, "too_large"),  # too deep for the parser, and over the size limit
    ("[" * 2000 + "]" * 2000, "bad_json"),  # valid JSON, within 4,096 bytes, too deep
    ('{"type":"ping","ref":"\\ud800"}', "bad_json"),  # a lone surrogate: not Unicode
    ('{"type":"chat","body":"\\udfff hi"}', "bad_json"),
    # numbers JSON does not have, which Python reads (a pong echoing one is no JSON to a browser)
    ('{"type":"ping","ref":NaN}', "bad_json"),
    ('{"type":"slow_mode","seconds":-Infinity}', "bad_json"),
    ('{"type":"ping","ref":1e999}', "bad_json"),
    ('{"type":"ping","ref":' + "[" * 900 + "]" * 900 + "}", None),  # deep, but parses: a pong
    ("x" * 5000, "too_large"),
    ("\x00", "bad_json"),
    ('"just a string"', "bad_message"),
    ('{"type":["ping"]}', "bad_message"),
    ('{"type":"' + "z" * 3000 + '"}', "unknown_type"),
]


async def still_answers(communicator) -> None:
    await communicator.send_json_to({"type": "ping", "ref": "alive?"})
    assert (await receive_type(communicator, "pong"))["ref"] == "alive?"


def counted(event: LiveEvent) -> tuple[dict, int]:
    hub = realtime._hubs.get(asyncio.get_running_loop())
    local = hub.local_count(event.pk) if hub else 0
    return dict(consumers._sockets_per_ip), local


@pytest.mark.parametrize(("frame", "code"), HOSTILE)
async def test_a_hostile_frame_is_answered_and_the_connection_lives_on(
    connect, live_event, frame, code
):
    viewer = await connect()

    await viewer.send_to(text_data=frame)

    reply = await viewer.receive_json_from(timeout=3)
    if code is None:
        assert reply["type"] == "pong"
    else:
        assert (reply["type"], reply["code"]) == ("error", code)
    await still_answers(viewer)


async def test_a_binary_frame_is_answered(connect, live_event):
    viewer = await connect()
    await viewer.send_to(bytes_data=b"\x00\xff" * 100)
    assert (await receive_type(viewer, "error"))["code"] == "bad_frame"
    await still_answers(viewer)


async def test_control_characters_in_chat_are_refused_and_nothing_is_stored(
    connect, live_event, viewer
):
    author = await connect(user=viewer)

    await author.send_json_to({"type": "chat", "body": "hello\u0000world", "ref": 1})

    refused = await receive_type(author, "error")
    assert (refused["code"], refused["ref"]) == ("chat_refused", 1)
    assert "control characters" in refused["message"]
    assert not await database_sync_to_async(ChatMessage.objects.exists)()
    await still_answers(author)


async def test_control_characters_in_the_banner_are_refused(connect, live_event, host):
    console = await connect(user=host, query="console=1")

    await console.send_json_to({"type": "banner", "text": "Door\u0000busters", "ref": 1})

    refused = await receive_type(console, "error")
    assert (refused["code"], refused["ref"]) == ("invalid", 1)
    await database_sync_to_async(live_event.refresh_from_db)()
    assert live_event.banner_text == "" and live_event.seq == 0


async def test_a_failure_of_ours_is_answered_and_the_connection_lives_on(
    connect, live_event, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(consumers.show_chat, "chat_post", broken)
    viewer = await connect()

    await viewer.send_json_to({"type": "chat", "body": "hi", "ref": 7})

    failed = await receive_type(viewer, "error")
    assert (failed["code"], failed["ref"]) == ("server_error", 7)
    await still_answers(viewer)


async def test_a_consumer_that_dies_gives_back_what_it_counted(connect, live_event, monkeypatch):
    watching = await connect()  # the fixture's: it starts the hub and closes it afterwards
    before = counted(live_event)

    async def dies(self, text_data=None, bytes_data=None):
        raise RuntimeError("killed outside every handler")

    # a connection of its own: its application ends with the error, which the test expects
    viewer = WebsocketCommunicator(application, f"/ws/events/{live_event.slug}/", [ORIGIN])
    assert (await viewer.connect())[0]
    await viewer.receive_json_from(timeout=5)  # the state
    assert counted(live_event) != before
    monkeypatch.setattr(consumers.EventConsumer, "receive", dies)
    await viewer.send_to(text_data="{}")
    with pytest.raises(RuntimeError):
        await viewer.receive_output(timeout=3)

    assert counted(live_event) == before
    monkeypatch.undo()
    await still_answers(watching)


async def test_many_connections_sending_hostile_frames_leave_the_counts_where_they_were(
    connect, live_event
):
    # given a show already watched by one viewer
    watching = await connect()
    before = counted(live_event)
    consumers_before = _live_consumers()

    # when fifty connections each send every hostile frame, then leave
    async def attack():
        communicator = await connect()
        for frame, _ in HOSTILE:
            await communicator.send_to(text_data=frame)
        for _ in HOSTILE:
            await communicator.receive_output(timeout=5)
        await communicator.disconnect()

    await asyncio.gather(*(attack() for _ in range(50)))
    await asyncio.sleep(0)

    # then the address's socket count and the viewer count are back where they were, no
    # consumer is left behind, and the viewer who stayed is still served
    assert counted(live_event) == before
    gc.collect()
    assert _live_consumers() <= consumers_before
    await still_answers(watching)


def _live_consumers() -> int:
    # type(), not isinstance(): lazy objects (a response's CSP nonce) would evaluate themselves
    return sum(type(o) is consumers.EventConsumer for o in gc.get_objects())
