"""The configured channel layer delivers group messages (Redis when REDIS_URL is set)."""

import uuid

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache


def test_group_message_reaches_a_member_channel():
    layer = get_channel_layer()
    group = f"test-{uuid.uuid4().hex}"

    async def roundtrip():
        channel = await layer.new_channel()
        await layer.group_add(group, channel)
        await layer.group_send(group, {"type": "ping", "n": 1})
        message = await layer.receive(channel)
        await layer.group_discard(group, channel)
        return message

    assert async_to_sync(roundtrip)() == {"type": "ping", "n": 1}


def test_layer_and_cache_follow_redis_url():
    expected = "RedisChannelLayer" if settings.REDIS_URL else "InMemoryChannelLayer"
    assert type(get_channel_layer()).__name__ == expected
    key = f"test-{uuid.uuid4().hex}"
    cache.set(key, "value", 5)
    assert cache.get(key) == "value"


def test_a_quiet_channel_is_not_a_redis_error():
    """channels_redis receives with a blocking pop that Redis answers empty after `brpop_timeout`
    seconds; a socket read timeout as short (redis-py 8's default, 5 s) raised spurious errors in a
    quiet hub, which then rejoined its groups and resynced every viewer."""
    if not settings.REDIS_URL:
        pytest.skip("the in-memory layer reads no socket")
    from channels_redis.utils import create_pool

    layer = get_channel_layer()
    for host in layer.hosts:
        pool = create_pool(host)
        assert pool.connection_kwargs["socket_timeout"] > layer.brpop_timeout + 5
