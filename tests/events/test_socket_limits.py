"""Abuse limits on the show's websocket: connections per address, snapshots per connection, chat
messages per address. A refused message never closes the connection."""

import pytest
from channels.db import database_sync_to_async
from django.contrib.auth import get_user_model
from django.core.cache import cache

from events import consumers
from tests.events.conftest import receive_type

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


async def test_connections_from_one_address_are_capped(connect, live_event, settings):
    settings.LIVESHOP_MAX_SOCKETS_PER_IP = 2
    first, second = await connect(), await connect()

    third = await connect(expect_state=False)
    closing = await third.receive_output(timeout=3)

    assert (closing["type"], closing["code"]) == ("websocket.close", 4430)
    # A connection that leaves makes room for another.
    await first.disconnect()
    again = await connect()
    assert again.state["type"] == "state"
    assert second.state["type"] == "state"


async def test_asking_for_the_state_again_and_again_is_refused_but_the_socket_stays(
    connect, live_event, monkeypatch
):
    viewer = await connect()

    await viewer.send_json_to({"type": "sync", "ref": 1})
    assert (await receive_type(viewer, "state"))["type"] == "state"
    await viewer.send_json_to({"type": "sync", "ref": 2})
    refused = await receive_type(viewer, "error")

    assert (refused["code"], refused["ref"]) == ("rate_limited", 2)
    monkeypatch.setattr(consumers, "SYNC_INTERVAL", 0)
    await viewer.send_json_to({"type": "sync", "ref": 3})
    assert (await receive_type(viewer, "state"))["type"] == "state"


async def test_chat_from_one_address_is_limited_across_accounts(connect, live_event, settings):
    await database_sync_to_async(cache.clear)()
    settings.RATELIMITS = {**settings.RATELIMITS, "chat": {"ip": "2/h"}}
    make = database_sync_to_async(get_user_model().objects.create_user)
    authors = [
        await connect(user=await make(f"fan{n}", f"fan{n}@example.com", "pw")) for n in range(3)
    ]

    for author in authors[:2]:
        await author.send_json_to({"type": "chat", "body": "hello", "ref": 1})
        assert (await receive_type(author, "ok"))["ref"] == 1
    await authors[2].send_json_to({"type": "chat", "body": "hello", "ref": 2})
    refused = await receive_type(authors[2], "error")

    assert refused["code"] == "chat_refused"
    assert refused["message"] == "Too many messages from your network; wait a moment."
    await authors[2].send_json_to({"type": "ping", "ref": 3})
    assert (await receive_type(authors[2], "pong"))["ref"] == 3
    await database_sync_to_async(cache.clear)()
