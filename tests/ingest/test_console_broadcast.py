"""The console's Broadcast card, as the server renders it: what a show's hosts need for OBS, and
never the stream key itself (it is shown once, by the page's script, when made)."""

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from ingest.models import StreamKey
from ingest.services import stream_key_rotate

SERVER = "rtmp://ingest.example/live"


@pytest.fixture
def ingest_settings(settings, tmp_path):
    settings.INGEST_RTMP_URL = SERVER
    settings.INGEST_HLS_URL = "https://ingest.example/hls"
    settings.INGEST_STAT_URL = ""
    settings.INGEST_SECRET = "a-long-ingest-secret-for-tests"
    settings.INGEST_DIR = tmp_path


def console(client, event):
    return client.get(reverse("events:console", args=[event.slug]))


def test_with_the_ingest_a_host_gets_the_server_and_the_settings_and_a_button_for_a_key(
    client, live_event, host, ingest_settings
):
    client.force_login(host)

    response = console(client, live_event)

    assertContains(
        response,
        f'<input type="text" id="ingest-server" value="{SERVER}" readonly spellcheck="false">',
        html=True,
    )
    assertContains(response, "No stream key yet: make one, then paste it in OBS.")
    assertContains(response, '<button type="button" id="new-stream-key">New stream key</button>')
    assertContains(response, "<dt>Keyframe interval</dt><dd>2 s</dd>", html=True)
    assertContains(response, 'data-health-url="/events/cyber-week-live/console/stream/"')


def test_a_made_key_shows_as_its_hint_only(client, live_event, host, ingest_settings):
    client.force_login(host)
    made = client.post(reverse("ingest:stream_key", args=[live_event.slug])).json()

    response = console(client, live_event)

    assertContains(response, f"A key ending in <strong>…{made['key'][-4:]}</strong> is set.")
    assertNotContains(response, made["key"])
    assertNotContains(response, StreamKey.objects.get().key_hash)
    assertNotContains(response, "No stream key yet")


def test_the_preview_may_play_from_the_ingest(client, live_event, host, ingest_settings):
    client.force_login(host)

    policy = console(client, live_event)["Content-Security-Policy"]

    media = next(part for part in policy.split(";") if part.strip().startswith("media-src"))
    assert "https://ingest.example" in media


def test_without_the_ingest_the_show_plays_its_hls_url_and_there_is_no_key(
    client, live_event, host, settings
):
    settings.INGEST_RTMP_URL = ""
    client.force_login(host)

    response = console(client, live_event)

    assertContains(response, "This show plays its HLS URL from your streaming provider")
    assertContains(response, f'data-playback="{live_event.stream_url}"')
    assertNotContains(response, "New stream key")
    assertNotContains(response, "ingest-server")
    assertNotContains(response, "data-ingest")


@pytest.mark.parametrize("who", ["guest", "viewer", "another brand's owner"])
def test_no_one_but_the_shows_hosts_sees_its_broadcast_settings(
    client, live_event, host, viewer, make_merchant, make_staff, ingest_settings, who
):
    stream_key_rotate(event=live_event, by=host)
    if who == "viewer":
        client.force_login(viewer)
    elif who == "another brand's owner":
        client.force_login(make_staff(make_merchant("other-brand")))

    response = console(client, live_event)

    assert response.status_code == (302 if who == "guest" else 403)
    assertNotContains(response, SERVER, status_code=response.status_code)
    hint = f"…{StreamKey.objects.get().key_hint}"
    assertNotContains(response, hint, status_code=response.status_code)
