"""A crowd arriving at once: a connect reads no database in the common case (events/show_cache.py),
and the snapshot it gets is still consistent with the changes that follow."""

import asyncio
import json
import threading
import time
from unittest.mock import ANY

import pytest
from channels.db import database_sync_to_async
from django.db.backends.signals import connection_created

from catalog.models import Merchant
from events import consumers, realtime
from events.models import LiveEvent
from events.show_cache import Snapshot, Snapshots
from tests.events.conftest import receive_type, session_cookie

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def queries():
    """Every SQL statement run from now on, by any thread (the database pool's included)."""
    seen: list[str] = []
    lock = threading.Lock()

    def record(execute, sql, params, many, context):
        with lock:
            seen.append(sql)
        return execute(sql, params, many, context)

    def watch(sender, connection, **kwargs):
        connection.execute_wrappers.append(record)

    connection_created.connect(watch)
    yield seen
    connection_created.disconnect(watch)


@pytest.fixture
def snapshot_builds(monkeypatch):
    """How many times a snapshot was built from the database."""
    built = []
    build = consumers.snapshot_read

    def counted(event):
        built.append(event.pk)
        return build(event)

    monkeypatch.setattr(consumers, "snapshot_read", counted)
    return built


async def test_a_guests_connect_after_the_first_runs_no_query(connect, live_event, queries):
    # given a show someone already watches
    first = await connect()
    queries.clear()

    # when another guest connects
    second = await connect()

    # then they get the full state without a single query (with the server's time as it is sent)
    assert second.state == {**first.state, "viewers": second.state["viewers"], "now": ANY}
    assert second.state["now"] >= first.state["now"]
    assert queries == []


async def test_a_signed_in_viewer_who_only_watches_costs_no_session_or_user_query(
    connect, live_event, viewer, queries
):
    await connect()
    cookie = await database_sync_to_async(session_cookie)(viewer)
    queries.clear()

    watcher = await connect(cookie=cookie)

    assert watcher.state["type"] == "state"
    assert queries == []


async def test_a_viewers_connect_and_messages_make_no_trip_to_channels_sync_thread(
    connect, live_event, monkeypatch
):
    """Channels closes old database connections before each message on its one sync thread,
    which a herd of connects queued on; this consumer's database calls do it themselves."""
    trips = []

    async def counted():
        trips.append(1)

    monkeypatch.setattr("channels.consumer.aclose_old_connections", counted)
    monkeypatch.setattr("channels.generic.websocket.aclose_old_connections", counted)
    await connect()
    viewer = await connect()
    await viewer.send_json_to({"type": "sync", "ref": 1})
    await receive_type(viewer, "state")

    assert trips == []  # (a disconnect still takes Channels' path)


async def test_the_user_is_read_when_a_chat_message_needs_it(connect, live_event, viewer):
    author = await connect(user=viewer)

    await author.send_json_to({"type": "chat", "body": "hello", "ref": 1})

    replies = {}
    while len(replies) < 2:
        message = await author.receive_json_from(timeout=3)
        replies[message["type"]] = message
    assert replies["ok"]["ref"] == 1
    assert replies["chat"]["message"]["author"] == "viewer"


async def test_the_next_connect_after_a_change_gets_the_new_seq(
    connect, live_event, show_products, host, snapshot_builds
):
    watching = await connect()
    console = await connect(user=host, query="console=1")
    start = watching.state["seq"]

    await console.send_json_to({"type": "feature", "product_id": show_products[2].pk})
    await receive_type(watching, "featured")
    late = await connect()

    assert late.state["seq"] == start + 1
    assert late.state["featured"]["id"] == show_products[2].pk
    assert len(snapshot_builds) == 2  # once for the first viewer, once after the change


async def test_a_crowd_connecting_at_once_builds_the_snapshot_once(
    connect, live_event, snapshot_builds
):
    crowd = await asyncio.gather(*(connect() for _ in range(30)))

    assert {viewer.state["seq"] for viewer in crowd} == {0}
    assert snapshot_builds == [live_event.pk]


async def test_a_crowd_on_a_cold_process_opens_the_show_once(
    connect, live_event, queries, monkeypatch
):
    opened = []
    open_event = realtime.selectors.open_event

    def counted(slug):
        opened.append(slug)
        return open_event(slug)

    monkeypatch.setattr(realtime.selectors, "open_event", counted)

    await asyncio.gather(*(connect() for _ in range(30)))

    assert opened == [live_event.slug]


async def test_unknown_shows_are_still_closed_with_4404_and_not_remembered(
    connect, live_event, make_event
):
    await connect()
    unknown = await connect(slug="starts-soon", expect_state=False)
    assert (await unknown.receive_output(timeout=3))["code"] == 4404

    # a show created a moment later is found at once
    await database_sync_to_async(make_event)("starts-soon")
    assert (await connect(slug="starts-soon")).state["type"] == "state"


async def test_a_brand_unverified_is_refused_once_its_show_expires_from_the_cache(
    connect, live_event, settings
):
    settings.LIVESHOP_SHOW_CACHE_SECONDS = 0
    await connect()

    await database_sync_to_async(Merchant.objects.filter(pk=live_event.merchant_id).update)(
        is_verified=False
    )
    refused = await connect(expect_state=False)

    assert (await refused.receive_output(timeout=3))["code"] == 4404


async def test_a_change_made_while_the_hub_was_out_of_the_group_is_not_missed(connect, live_event):
    # given a snapshot cached while a viewer watched, then everyone leaves
    viewer = await connect()
    await viewer.disconnect()
    # when the show changes while nobody on this process watches
    await database_sync_to_async(LiveEvent.objects.filter(pk=live_event.pk).update)(
        banner_text="Back soon", seq=5
    )

    # then the next viewer gets it
    state = (await connect()).state
    assert (state["seq"], state["banner"]) == (5, "Back soon")


# --- The snapshot cache on its own ---------------------------------------------------------------


def encoded(seq: int, viewers: int = 0) -> Snapshot:
    return Snapshot(seq=seq, head=f'{{"type":"state","seq":{seq}', viewers=viewers)


async def test_a_snapshot_older_than_a_change_the_hub_passed_on_is_not_given_to_later_viewers():
    snapshots = Snapshots()
    snapshots.follow(1)
    reading = asyncio.Event()
    seqs = iter([4, 5])

    async def build():
        seq = next(seqs)
        if seq == 4:
            await reading.wait()  # the database is read before change 5 is committed
        return encoded(seq)

    # a viewer joined before change 5: it will get change 5 after its snapshot
    early = asyncio.ensure_future(snapshots.get(1, build))
    await asyncio.sleep(0)
    # change 5 reaches the hub's viewers, then another viewer joins: it will never get change 5
    snapshots.saw_change(1, 5)
    late = asyncio.ensure_future(snapshots.get(1, build))
    await asyncio.sleep(0)
    reading.set()

    assert (await early)[0] == 4
    assert (await late)[0] == 5
    assert (await snapshots.get(1, build))[0] == 5  # cached: no third build


async def test_the_latest_viewer_count_is_spliced_into_a_cached_snapshot():
    snapshots = Snapshots()
    snapshots.follow(1)

    async def build():
        return encoded(3, viewers=10)

    assert json.loads((await snapshots.get(1, build))[1]) == {
        "type": "state",
        "seq": 3,
        "viewers": 10,
        "now": ANY,
    }
    snapshots.saw_viewers(1, 250)
    assert json.loads((await snapshots.get(1, build))[1]) == {
        "type": "state",
        "seq": 3,
        "viewers": 250,
        "now": ANY,
    }


async def test_a_snapshot_carries_the_servers_time_as_it_is_sent():
    snapshots = Snapshots()
    snapshots.follow(1)

    async def build():
        return encoded(3, viewers=10)

    before = time.time() * 1000
    first = json.loads((await snapshots.get(1, build))[1])
    await asyncio.sleep(0.05)
    second = json.loads((await snapshots.get(1, build))[1])  # the same cached snapshot

    assert before - 1 <= first["now"] <= time.time() * 1000
    assert second["now"] >= first["now"] + 40


async def test_while_the_hub_is_out_of_the_group_every_snapshot_comes_from_the_database():
    snapshots = Snapshots()
    builds = []

    async def build():
        builds.append(1)
        return encoded(len(builds))

    await snapshots.get(1, build)
    await snapshots.get(1, build)

    assert len(builds) == 2
