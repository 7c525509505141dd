"""The console's Broadcast card, as the server renders it: what a show's hosts need for OBS, and
never the stream key itself (it is shown once, by the page's script, when made)."""

import io
import urllib.request

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from ingest import health
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


# nginx-rtmp's statistics page with the show's stream publishing at `bw_video` bits a second.
STAT = """<rtmp><server><application><name>hls</name><live><stream>
<name>{name}</name><bw_video>{bw_video}</bw_video><publishing/>
<meta><video><width>640</width><height>360</height><frame_rate>30</frame_rate></video></meta>
</stream></live></application></server></rtmp>"""


@pytest.fixture
def statistics(monkeypatch, settings, ingest_settings):
    """`statistics(bw_video=...)`: what the ingest's /stat says of the show's stream (its HLS
    playlist cannot be read)."""
    settings.INGEST_STAT_URL = "http://127.0.0.1:8080/stat"
    page = {}

    def urlopen(url, timeout):
        if url != settings.INGEST_STAT_URL:
            raise OSError("no playlist")
        return io.BytesIO(page["xml"].encode())

    monkeypatch.setattr(urllib.request, "urlopen", urlopen)

    def say(*, name: str, bw_video: int) -> None:
        page["xml"] = STAT.format(name=name, bw_video=bw_video)

    return say


def test_a_bitrate_nginx_has_not_measured_yet_is_unknown_not_zero(live_event, host, statistics):
    stream_key_rotate(event=live_event, by=host)
    # nginx-rtmp measures bandwidth over 10 s: until then it says 0
    statistics(name=StreamKey.objects.get().playback_id, bw_video=0)

    found = health.stream_health(live_event)

    assert found["receiving"] is True
    assert found["bitrate_kbps"] is None
    assert (found["resolution"], found["frame_rate"]) == ("640×360", 30)
    assert found["warnings"] == []


def test_a_bitrate_below_the_recommended_range_is_warned_of(live_event, host, statistics):
    stream_key_rotate(event=live_event, by=host)
    statistics(name=StreamKey.objects.get().playback_id, bw_video=900_000)

    found = health.stream_health(live_event)

    assert found["bitrate_kbps"] == 900
    assert found["warnings"] == ["Video bitrate 900 kbps: set it between 1,500 and 8,000."]
