"""The show's websocket, through the real ASGI application (origin check, sessions, routing)."""

import asyncio
import json

import pytest
from channels.db import database_sync_to_async
from django.contrib.auth import get_user_model

from catalog.models import Membership
from events import selectors
from events.models import ChatMessage, LiveEvent
from tests.events.conftest import receive_type, without_at

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


async def refreshed(event):
    await database_sync_to_async(event.refresh_from_db)()
    return event


async def test_viewer_gets_the_full_state_on_connect(connect, live_event, show_products):
    await database_sync_to_async(LiveEvent.objects.filter(pk=live_event.pk).update)(
        featured_product=show_products[1],
        banner_text="Doorbusters",
        announcement="Free shipping",
        seq=7,
    )

    state = (await connect()).state

    assert state["type"] == "state" and state["seq"] == 7
    assert state["status"] == "live"
    assert state["featured"]["id"] == show_products[1].pk
    assert state["featured"]["title"] == "Robot Vacuum"
    assert state["featured"]["price"] == 24900 and state["featured"]["price_display"] == "$249.00"
    assert state["featured"]["stock"] == {"state": "low", "left": 3}
    assert state["banner"] == "Doorbusters" and state["announcement"] == "Free shipping"
    assert [p["title"] for p in state["products"]] == [
        "Noise-Cancelling Headphones",
        "Robot Vacuum",
        "Air Fryer",
    ]
    assert state["products"][2]["stock"] == {"state": "sold_out", "left": 0}
    assert isinstance(state["viewers"], int)


async def test_host_change_reaches_every_viewer_with_the_next_seq(
    connect, live_event, show_products, host
):
    viewers = [await connect() for _ in range(3)]
    console = await connect(user=host, query="console=1")
    start = console.state["seq"]

    await console.send_json_to({"type": "feature", "product_id": show_products[0].pk, "ref": 1})
    assert (await receive_type(console, "ok"))["ref"] == 1
    await console.send_json_to({"type": "banner", "text": "Only 10 minutes left"})

    for viewer in viewers:
        featured = await receive_type(viewer, "featured")
        assert featured["seq"] == start + 1
        assert featured["product"]["title"] == "Noise-Cancelling Headphones"
        banner = await receive_type(viewer, "banner")
        assert without_at(banner) == {
            "type": "banner",
            "seq": start + 2,
            "text": "Only 10 minutes left",
        }


async def test_sync_returns_a_fresh_state_after_a_gap(connect, live_event, show_products, host):
    viewer = await connect()
    console = await connect(user=host, query="console=1")
    await console.send_json_to({"type": "feature", "product_id": show_products[2].pk})
    await receive_type(viewer, "featured")

    await viewer.send_json_to({"type": "sync"})
    state = await receive_type(viewer, "state")

    assert state["seq"] == viewer.state["seq"] + 1
    assert state["featured"]["id"] == show_products[2].pk


@pytest.mark.parametrize(
    "who",
    [
        "guest",
        "viewer",
        "catalog manager of the brand",
        "host of another brand",
        "deactivated host",
    ],
)
async def test_only_the_brands_hosts_can_run_the_show(
    connect, live_event, show_products, make_staff, make_merchant, viewer, host, who
):
    users = {
        "guest": lambda: None,
        "viewer": lambda: viewer,
        "catalog manager of the brand": lambda: make_staff(
            live_event.merchant, Membership.Role.CATALOG_MANAGER, "cm"
        ),
        "host of another brand": lambda: make_staff(
            make_merchant("rival"), Membership.Role.HOST, "rival-host"
        ),
        "deactivated host": lambda: host,
    }
    user = await database_sync_to_async(users[who])()
    attacker = await connect(user=user)
    if who == "deactivated host":  # the account is switched off while its socket is open
        await database_sync_to_async(get_user_model().objects.filter(pk=host.pk).update)(
            is_active=False
        )

    for command in (
        {"type": "feature", "product_id": show_products[0].pk},
        {"type": "banner", "text": "hacked"},
        {"type": "announcement", "text": "hacked"},
        {"type": "status", "status": "ended"},
        {"type": "slow_mode", "seconds": 600},
    ):
        await attacker.send_json_to(command)
        reply = await receive_type(attacker, "error")
        assert reply["code"] == "forbidden"

    event = await refreshed(live_event)
    assert event.status == "live" and event.featured_product_id is None
    assert (
        event.banner_text == "" and event.announcement == "" and event.chat_slow_mode_seconds == 0
    )
    assert event.seq == 0


async def test_connections_from_other_sites_are_refused(connect, live_event):
    evil = await connect(origin=(b"origin", b"https://evil.example"), expect_state=False)
    missing = await connect(origin=None, expect_state=False)

    assert not evil.connected and not missing.connected


async def test_unknown_show_is_closed_with_4404(connect, db):
    communicator = await connect(slug="no-such-show", expect_state=False)

    closing = await communicator.receive_output(timeout=3)

    assert (closing["type"], closing["code"]) == ("websocket.close", 4404)


async def test_bad_frames_get_errors_and_the_connection_keeps_serving(connect, live_event):
    viewer = await connect()

    await viewer.send_to(text_data="{not json")
    assert (await viewer.receive_json_from())["code"] == "bad_json"
    await viewer.send_to(text_data='["a", "list"]')
    assert (await viewer.receive_json_from())["code"] == "bad_message"
    await viewer.send_json_to({"type": "launch_missiles"})
    assert (await viewer.receive_json_from())["code"] == "unknown_type"
    await viewer.send_to(text_data=json.dumps({"type": "chat", "body": "x" * 5000}))
    assert (await viewer.receive_json_from())["code"] == "too_large"
    await viewer.send_to(bytes_data=b"\x00\x01")
    assert (await viewer.receive_json_from())["code"] == "bad_frame"

    await viewer.send_json_to({"type": "ping", "ref": "still-there"})
    assert await receive_type(viewer, "pong") == {"type": "pong", "ref": "still-there"}


async def test_a_flooding_client_is_warned_then_closed_and_others_keep_getting_updates(
    connect, live_event, show_products, host
):
    flooder = await connect()
    bystander = await connect()
    console = await connect(user=host, query="console=1")

    for _ in range(40):
        await flooder.send_json_to({"type": "ping"})
    replies = []
    while True:
        output = await flooder.receive_output(timeout=3)
        if output["type"] == "websocket.close":
            break
        replies.append(json.loads(output["text"]))
    assert output["code"] == 4429
    assert any(r.get("code") == "flood" for r in replies)

    await console.send_json_to({"type": "feature", "product_id": show_products[0].pk})
    assert (await receive_type(bystander, "featured"))["product"]["id"] == show_products[0].pk


async def test_viewer_count_follows_connections(connect, live_event, settings):
    settings.LIVESHOP_PRESENCE_INTERVAL = 0.05
    first = await connect()
    second = await connect()

    message = await receive_type(first, "viewers")
    while message["count"] != 2:
        message = await receive_type(first, "viewers")
    await second.disconnect()

    while message["count"] != 1:
        message = await receive_type(first, "viewers")
    assert (await database_sync_to_async(selectors.event_state)(live_event))["viewers"] == 1


async def test_console_connections_are_not_counted_as_viewers(connect, live_event, host, settings):
    settings.LIVESHOP_PRESENCE_INTERVAL = 0.05
    viewer = await connect()
    await connect(user=host, query="console=1")

    message = await receive_type(viewer, "viewers")
    await asyncio.sleep(0.3)
    assert message["count"] == 1
    assert (await database_sync_to_async(selectors.event_state)(live_event))["viewers"] == 1


# --- Chat ---------------------------------------------------------------------------------------


async def test_guests_read_but_cannot_post(connect, live_event):
    guest = await connect()

    await guest.send_json_to({"type": "chat", "body": "hello"})

    assert (await receive_type(guest, "error"))["message"] == "Sign in to chat."
    assert not await database_sync_to_async(ChatMessage.objects.exists)()


async def test_chat_message_reaches_everyone_as_plain_text(connect, live_event, viewer):
    author = await connect(user=viewer)
    reader = await connect()

    await author.send_json_to({"type": "chat", "body": "<img src=x onerror=alert(1)> love it"})

    message = (await receive_type(reader, "chat"))["message"]
    assert message["body"] == "<img src=x onerror=alert(1)> love it"  # the page sets textContent
    assert message["author"] == "viewer" and message["brand"] is False


async def test_brand_messages_are_marked(connect, live_event, host):
    console = await connect(user=host, query="console=1")
    reader = await connect()

    await console.send_json_to({"type": "chat", "body": "Welcome everyone!"})

    message = (await receive_type(reader, "chat"))["message"]
    assert message["brand"] is True and "Waltmart" in message["author"]


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("x" * 501, "Messages can be at most 500 characters."),
        ("   ", "Write a message first."),
        (42, "Write a message first."),
    ],
)
async def test_bad_chat_messages_are_refused(connect, live_event, viewer, body, error):
    author = await connect(user=viewer)

    await author.send_json_to({"type": "chat", "body": body})

    assert (await receive_type(author, "error"))["message"] == error
    assert not await database_sync_to_async(ChatMessage.objects.exists)()


async def test_chat_rate_limit(connect, live_event, viewer):
    author = await connect(user=viewer)

    results = []
    for n in range(7):
        await author.send_json_to({"type": "chat", "body": f"message {n}", "ref": n})
        reply = await receive_type(author, "ok") if n < 5 else await receive_type(author, "error")
        results.append(reply["type"])

    assert results == ["ok"] * 5 + ["error"] * 2
    assert await database_sync_to_async(ChatMessage.objects.count)() == 5


async def test_moderation_delete_mute_ban_slow_mode_blocked_words(
    connect, live_event, viewer, host
):
    author = await connect(user=viewer)
    console = await connect(user=host, query="console=1")

    await author.send_json_to({"type": "chat", "body": "first"})
    first = (await receive_type(console, "chat"))["message"]
    await console.send_json_to({"type": "chat_delete", "message_id": first["id"], "ref": "delete"})
    assert (await receive_type(author, "chat_deleted"))["ids"] == [first["id"]]
    assert (await receive_type(console, "ok"))["ref"] == "delete"

    await console.send_json_to(
        {"type": "chat_restrict", "message_id": first["id"], "kind": "mute", "ref": "mute"}
    )
    # Commands of different connections run side by side: wait for the mute's own reply.
    assert (await receive_type(console, "ok"))["ref"] == "mute"
    await author.send_json_to({"type": "chat", "body": "can I talk?"})
    assert (await receive_type(author, "error"))["message"] == "The host muted you for this show."

    await console.send_json_to({"type": "chat_restrict", "message_id": first["id"], "kind": None})
    await receive_type(console, "ok")
    await console.send_json_to({"type": "slow_mode", "seconds": 30})
    await receive_type(console, "ok")
    await author.send_json_to({"type": "chat", "body": "one"})
    await receive_type(author, "ok")
    await author.send_json_to({"type": "chat", "body": "two"})
    assert "Slow mode is on" in (await receive_type(author, "error"))["message"]

    await database_sync_to_async(LiveEvent.objects.filter(pk=live_event.pk).update)(
        chat_blocked_words="spoiler\n", chat_slow_mode_seconds=0
    )
    await author.send_json_to({"type": "chat", "body": "SPOILER alert"})
    assert "does not allow" in (await receive_type(author, "error"))["message"]

    await console.send_json_to({"type": "chat_restrict", "message_id": first["id"], "kind": "ban"})
    deleted = await receive_type(author, "chat_deleted")
    assert len(deleted["ids"]) == 1  # "one" is removed; "first" was already gone
    await author.send_json_to({"type": "chat", "body": "back again"})
    assert (await receive_type(author, "error"))[
        "message"
    ] == "You were removed from this show's chat."
    visible = await database_sync_to_async(
        lambda: list(
            ChatMessage.objects.filter(deleted_at__isnull=True).values_list("body", flat=True)
        )
    )()
    assert visible == []


async def test_viewers_cannot_moderate(connect, live_event, viewer, make_staff):
    author = await connect(user=viewer)
    await author.send_json_to({"type": "chat", "body": "mine"})
    message = (await receive_type(author, "chat"))["message"]

    await author.send_json_to({"type": "chat_delete", "message_id": message["id"]})

    assert (await receive_type(author, "error"))["code"] == "forbidden"
    assert (
        await database_sync_to_async(ChatMessage.objects.filter(deleted_at__isnull=True).count)()
        == 1
    )
