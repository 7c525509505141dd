"""nginx's callbacks are refused to anyone but the ingest; stream keys and health are for the
show's hosts only."""

import pytest
from django.urls import reverse

from events.models import LiveEvent
from ingest.models import StreamKey
from ingest.services import key_hash, stream_key_rotate

SECRET = "a-long-ingest-secret-for-tests"


@pytest.fixture(autouse=True)
def ingest_settings(settings, tmp_path):
    settings.INGEST_RTMP_URL = "rtmp://ingest.example/live"
    settings.INGEST_HLS_URL = "https://ingest.example/hls"
    settings.INGEST_STAT_URL = ""
    settings.INGEST_SECRET = SECRET
    settings.INGEST_ALLOWED_ADDRESSES = ["127.0.0.1"]
    settings.INGEST_DIR = tmp_path


def on_publish(client, key, *, secret=SECRET, address="127.0.0.1"):
    return client.post(
        f"{reverse('ingest:on_publish')}?secret={secret}",
        {"call": "publish", "app": "live", "name": key, "addr": "203.0.113.9"},
        REMOTE_ADDR=address,
    )


def test_nginx_is_answered_with_the_playback_id_and_never_the_key(client, live_event, host):
    key = stream_key_rotate(event=live_event, by=host)

    response = on_publish(client, key)

    assert response.status_code == 302
    assert response["Location"] == StreamKey.objects.get().playback_id
    assert key not in response["Location"]


@pytest.mark.parametrize(
    ("secret", "address"),
    [("", "127.0.0.1"), ("wrong-secret-wrong-secret", "127.0.0.1"), (SECRET, "198.51.100.7")],
    ids=["no secret", "wrong secret", "not from the ingest"],
)
def test_a_call_not_from_the_ingest_is_refused_and_changes_nothing(
    client, live_event, host, secret, address
):
    key = stream_key_rotate(event=live_event, by=host)

    response = on_publish(client, key, secret=secret, address=address)
    done = client.post(
        f"{reverse('ingest:on_publish_done')}?secret={secret}",
        {"name": StreamKey.objects.get().playback_id},
        REMOTE_ADDR=address,
    )
    recorded = client.post(
        f"{reverse('ingest:on_record_done')}?secret={secret}",
        {"name": StreamKey.objects.get().playback_id, "path": "/etc/passwd"},
        REMOTE_ADDR=address,
    )

    assert (response.status_code, done.status_code, recorded.status_code) == (403, 403, 403)
    assert LiveEvent.objects.get().stream_state == ""
    assert StreamKey.objects.get().publishing_since is None


def test_without_a_secret_configured_every_call_is_refused(client, live_event, host, settings):
    key = stream_key_rotate(event=live_event, by=host)
    settings.INGEST_SECRET = ""

    assert on_publish(client, key, secret="").status_code == 403


def test_the_callbacks_take_posts_only(client):
    assert client.get(f"{reverse('ingest:on_publish')}?secret={SECRET}").status_code == 405


def test_a_recording_outside_the_ingests_directory_is_never_read(client, live_event, host):
    stream_key_rotate(event=live_event, by=host)

    response = client.post(
        f"{reverse('ingest:on_record_done')}?secret={SECRET}",
        {"name": StreamKey.objects.get().playback_id, "path": "/etc/passwd"},
    )

    assert response.status_code == 200
    assert not live_event.recordings.exists()
    assert LiveEvent.objects.get().replay_url == ""


def test_keys_are_stored_hashed(live_event, host):
    key = stream_key_rotate(event=live_event, by=host)

    stream_key = StreamKey.objects.get()
    assert stream_key.key_hash == key_hash(key) != key
    assert stream_key.key_hint == key[-4:]
    assert len(key) >= 40


# --- The console's endpoints ---------------------------------------------------------------------


def test_a_host_gets_a_new_key_once_with_the_obs_settings(client, live_event, host):
    client.force_login(host)

    first = client.post(reverse("ingest:stream_key", args=[live_event.slug]))
    second = client.post(reverse("ingest:stream_key", args=[live_event.slug]))

    assert first.status_code == second.status_code == 200
    body = second.json()
    assert body["key"] != first.json()["key"]
    assert body["server"] == "rtmp://ingest.example/live"
    assert body["key_hint"] == body["key"][-4:]
    assert body["recommended"]["keyframe_interval_seconds"] == "2"
    # the old key no longer publishes
    assert on_publish(client, first.json()["key"]).status_code == 403


@pytest.mark.parametrize("who", ["guest", "viewer", "another brand's owner"])
def test_no_one_but_the_shows_hosts_sees_or_makes_its_key(
    client, live_event, who, viewer, make_merchant, make_staff
):
    if who == "viewer":
        client.force_login(viewer)
    elif who == "another brand's owner":
        client.force_login(make_staff(make_merchant("other-brand")))

    made = client.post(reverse("ingest:stream_key", args=[live_event.slug]))
    health = client.get(reverse("ingest:stream_health", args=[live_event.slug]))

    assert (made.status_code, health.status_code) == (403, 403)
    assert "key" not in made.json()
    assert not StreamKey.objects.exists()


def test_without_an_ingest_there_is_no_key_to_make(client, live_event, host, settings):
    settings.INGEST_RTMP_URL = ""
    client.force_login(host)

    response = client.post(reverse("ingest:stream_key", args=[live_event.slug]))

    assert response.status_code == 409
    assert response.json() == {"error": "This site has no video ingest."}


def test_an_ingest_without_a_strong_secret_does_not_start(settings):
    from ingest.checks import ingest_settings

    settings.INGEST_SECRET = "short"
    assert [e.id for e in ingest_settings(None)] == ["ingest.E002"]
    settings.INGEST_SECRET = SECRET
    settings.INGEST_RTMP_URL = "http://ingest.example/live"
    assert [e.id for e in ingest_settings(None)] == ["ingest.E003"]
    settings.INGEST_RTMP_URL = ""
    assert ingest_settings(None) == []
