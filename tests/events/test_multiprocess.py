"""Two real server processes sharing Redis and the database: a host action crosses processes,
and the viewer count is right across them and heals when one process dies."""

import asyncio
import json

import pytest
import redis
from django.conf import settings

from tests.events.conftest import next_of_type, open_show, session_cookie, wait_for_count
from tests.servers import asgi_server

pytestmark = pytest.mark.django_db(transaction=True)

REDIS_URL = settings.REDIS_URL or "redis://127.0.0.1:6379/0"


@pytest.fixture
def redis_url():
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.ConnectionError:
        pytest.skip(f"needs Redis at {REDIS_URL} (started by .ci/run)")
    return REDIS_URL


@pytest.fixture
def two_servers(redis_url):
    env = {
        "REDIS_URL": redis_url,
        "LIVESHOP_PRESENCE_INTERVAL": "0.2",
        "LIVESHOP_PRESENCE_STALE_AFTER": "1.5",
    }
    with asgi_server(**env) as first, asgi_server(**env) as second:
        yield first, second


def test_host_action_on_one_process_reaches_viewers_on_the_other(
    two_servers, live_event, show_products, host
):
    first, second = two_servers
    cookie = session_cookie(host).decode()

    async def scenario():
        viewer_on_second = await open_show(second, live_event.slug)
        viewer_on_first = await open_show(first, live_event.slug)
        console_on_first = await open_show(first, live_event.slug, cookie, "?console=1")

        await console_on_first.send(
            json.dumps({"type": "feature", "product_id": show_products[1].pk, "ref": 1})
        )

        assert (await next_of_type(console_on_first, "ok", timeout=5))["ref"] == 1
        for viewer in (viewer_on_second, viewer_on_first):
            featured = await next_of_type(viewer, "featured", timeout=5)
            assert featured["product"]["title"] == "Robot Vacuum"
        for socket in (viewer_on_second, viewer_on_first, console_on_first):
            await socket.close()

    asyncio.run(scenario())


def test_viewer_count_spans_processes_and_heals_when_one_dies(two_servers, live_event):
    first, second = two_servers

    async def scenario():
        watching_first = [await open_show(first, live_event.slug) for _ in range(2)]
        _watching_second = [await open_show(second, live_event.slug) for _ in range(3)]

        await wait_for_count(watching_first[0], 5)

        second.kill()  # no disconnect handler runs on the dead process
        await wait_for_count(watching_first[0], 2)
        for socket in watching_first:
            await socket.close()

    asyncio.run(scenario())


def test_a_host_deactivated_on_one_process_is_refused_there(
    two_servers, live_event, show_products, host
):
    first, _ = two_servers
    cookie = session_cookie(host).decode()

    async def scenario():
        console = await open_show(first, live_event.slug, cookie, "?console=1")
        await asyncio.to_thread(type(host).objects.filter(pk=host.pk).update, is_active=False)
        await console.send(json.dumps({"type": "feature", "product_id": show_products[0].pk}))
        reply = await next_of_type(console, "error", timeout=5)
        await console.close()
        return reply

    assert asyncio.run(scenario())["code"] == "forbidden"
    live_event.refresh_from_db()
    assert live_event.featured_product_id is None
