"""Brands broadcast through a real ingest: nginx with the RTMP module asks Liveshop who may
publish; ffmpeg stands in for OBS (issue 10)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import Merchant
from events.models import LiveEvent
from ingest.models import StreamKey
from ingest.services import stream_key_rotate
from tests.checkout.test_tasks_worker import REDIS_URL, broker, worker  # noqa: F401 (fixture)
from tests.ingest.conftest import fetch, publish, publish_to, run_ingest, wait_for

Status = LiveEvent.Status


def playing(ingest, event) -> str:
    """The show's HLS playlist once nginx writes it (with a few fragments), else ""."""
    status, text = fetch(ingest.playlist(StreamKey.objects.get(event=event).playback_id))
    return text if status == 200 and text.count("#EXTINF") >= 2 else ""


def refused(process) -> bool:
    """ffmpeg gave up: nginx closed the connection as Liveshop said no."""
    try:
        return process.wait(15) != 0
    finally:
        if process.poll() is None:
            process.kill()


def test_the_key_of_a_live_show_publishes_and_the_show_plays_from_the_ingest(
    ingest, live_event, host
):
    key = stream_key_rotate(event=live_event, by=host)
    live_event.refresh_from_db()
    stream_key = StreamKey.objects.get(event=live_event)
    # the show now plays from the ingest, under a name that is not its key
    assert live_event.stream_url == ingest.playlist(stream_key.playback_id)
    assert key not in live_event.stream_url and stream_key.key_hash != key

    ffmpeg = publish(ingest, key)
    try:
        playlist = wait_for(lambda: playing(ingest, live_event), what="the HLS playlist")
        assert "#EXT-X-TARGETDURATION" in playlist
        live_event.refresh_from_db()
        assert live_event.stream_state == "receiving"
    finally:
        ffmpeg.kill()


@pytest.mark.parametrize(
    "make_it_refused",
    ["wrong key", "unverified brand", "cancelled show", "ended show", "starts tomorrow"],
)
def test_a_stream_liveshop_refuses_never_publishes(ingest, live_event, host, make_it_refused):
    key = stream_key_rotate(event=live_event, by=host)
    if make_it_refused == "wrong key":
        key = key[:-4] + ("AAAA" if not key.endswith("AAAA") else "BBBB")
    elif make_it_refused == "unverified brand":
        Merchant.objects.filter(pk=live_event.merchant_id).update(is_verified=False)
    elif make_it_refused == "cancelled show":
        LiveEvent.objects.filter(pk=live_event.pk).update(status=Status.CANCELLED)
    elif make_it_refused == "ended show":
        LiveEvent.objects.filter(pk=live_event.pk).update(status=Status.ENDED)
    else:
        LiveEvent.objects.filter(pk=live_event.pk).update(
            status=Status.SCHEDULED, scheduled_start=timezone.now() + timedelta(days=1)
        )

    assert refused(publish(ingest, key))
    assert not playing(ingest, live_event)
    assert "Publish refused" in ingest.server.output()


def test_a_show_starting_within_the_window_may_already_publish(ingest, live_event, host):
    LiveEvent.objects.filter(pk=live_event.pk).update(
        status=Status.SCHEDULED, scheduled_start=timezone.now() + timedelta(minutes=20)
    )
    key = stream_key_rotate(event=live_event, by=host)

    ffmpeg = publish(ingest, key)
    try:
        wait_for(lambda: playing(ingest, live_event), what="the HLS playlist")
    finally:
        ffmpeg.kill()


def test_a_rotated_key_stops_working_at_once(ingest, live_event, host):
    old = stream_key_rotate(event=live_event, by=host)
    new = stream_key_rotate(event=live_event, by=host)

    assert refused(publish(ingest, old))
    ffmpeg = publish(ingest, new)
    try:
        wait_for(lambda: playing(ingest, live_event), what="the HLS playlist")
    finally:
        ffmpeg.kill()


def test_a_stream_that_stops_leaves_the_show_live_and_says_so_then_comes_back(
    ingest, live_event, host
):
    key = stream_key_rotate(event=live_event, by=host)
    first = publish(ingest, key)
    wait_for(lambda: playing(ingest, live_event), what="the HLS playlist")

    first.terminate()
    first.wait(10)
    wait_for(
        lambda: LiveEvent.objects.get(pk=live_event.pk).stream_state == "stopped",
        what="the ingest's word that the stream stopped",
    )
    assert LiveEvent.objects.get(pk=live_event.pk).status == Status.LIVE  # never ended by it

    again = publish(ingest, key)
    try:
        wait_for(
            lambda: LiveEvent.objects.get(pk=live_event.pk).stream_state == "receiving",
            what="the stream to come back",
        )
    finally:
        # As OBS stops: the stream ends, and its recording is stored before the ingest stops.
        again.terminate()
        again.wait(10)


def test_when_the_stream_ends_its_recording_becomes_the_shows_replay(ingest, live_event, host):
    key = stream_key_rotate(event=live_event, by=host)
    ffmpeg = publish(ingest, key, seconds=4)
    assert ffmpeg.wait(30) == 0

    event = wait_for(
        lambda: LiveEvent.objects.filter(pk=live_event.pk).exclude(replay_url="").first(),
        what="the replay",
        timeout=30,
    )
    recording = live_event.recordings.get()
    assert event.replay_url == recording.file.url and event.replay_url.endswith(".mp4")
    assert 3 <= recording.duration_seconds <= 6
    assert not list((ingest.directory / "recordings").iterdir())  # the FLV was removed


@pytest.mark.skipif(not REDIS_URL, reason="needs a broker: the PostgreSQL + Redis leg of .ci/run")
def test_a_celery_worker_stores_the_recording(
    transactional_db,
    settings,
    live_event,
    host,
    broker,  # noqa: F811 (fixture)
):
    """The PostgreSQL + Redis leg: the callback only queues; a real worker remuxes and stores."""
    with run_ingest(settings, **broker) as ingest, worker({**broker, **ingest.env}) as running:
        key = stream_key_rotate(event=live_event, by=host)
        assert publish(ingest, key, seconds=4).wait(30) == 0

        wait_for(
            lambda: LiveEvent.objects.filter(pk=live_event.pk).exclude(replay_url="").exists(),
            what="the worker to store the replay",
            timeout=40,
        )
        assert "ingest.tasks.recording_store" in running.output()


def test_a_publisher_to_the_internal_application_without_the_relay_token_is_refused(
    ingest, live_event, host
):
    # given a show with a key (its playback id is public: it is in the page's stream URL)
    stream_key_rotate(event=live_event, by=host)
    playback_id = StreamKey.objects.get(event=live_event).playback_id
    internal = ingest.rtmp.removesuffix("/live") + "/hls"

    # when someone on the ingest's own host (or behind its TLS terminator) publishes straight to
    # the internal application under that playback id, with no key, or with a made-up token
    for url in (f"{internal}/{playback_id}", f"{internal}?relay=guess/{playback_id}"):
        ffmpeg = publish_to(ingest, url)

        # then nginx refuses it and the show's video is not replaced
        assert refused(ffmpeg)
    assert not playing(ingest, live_event)
    assert "Relay refused" in ingest.server.output()


def test_rotating_the_key_stops_a_stream_already_publishing_with_it(ingest, live_event, host):
    old = stream_key_rotate(event=live_event, by=host)
    ffmpeg = publish(ingest, old)
    try:
        wait_for(lambda: playing(ingest, live_event), what="the HLS playlist")

        stream_key_rotate(event=live_event, by=host)

        # the old key's stream is cut at once (ffmpeg loses its connection), and cannot come back
        assert ffmpeg.wait(5) != 0
        assert refused(publish(ingest, old))
    finally:
        if ffmpeg.poll() is None:
            ffmpeg.kill()
