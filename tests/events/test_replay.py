"""An ended show's recording: what is accepted as its replay, and what viewers get."""

import pytest
from django.core.exceptions import ValidationError

from events.models import validate_poster_url, validate_replay_url
from events.selectors import event_state


@pytest.mark.parametrize(
    "url",
    [
        "https://cdn.example/shows/cyber-week/replay.m3u8",
        "https://cdn.example/shows/cyber-week.mp4?token=abc",
        "/media/replays/cyber-week.mp4",
        "",
    ],
)
def test_a_playlist_or_an_mp4_file_is_a_replay(url):
    validate_replay_url(url)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://cdn.example/replay.mp4", "full address"),
        ("//cdn.example/replay.mp4", "full address"),
        ("https://cdn.example/replay.mov", r"HLS playlist \(\.m3u8\) or an MP4 file"),
        ("javascript:alert(1)//.mp4", "full address"),
        # browsers read a backslash as a slash: another site's file (issue 16)
        ("/\\attacker.example/x.mp4", "full address"),
        ("/\\/attacker.example/x.mp4", "full address"),
        ("https://cdn.example\\@attacker.example/x.mp4", "full address"),
        ("https:///x.mp4", "full address"),
        ("/media/replay .mp4", "full address"),
    ],
)
def test_anything_else_is_refused_with_a_reason(url, message):
    with pytest.raises(ValidationError, match=message):
        validate_replay_url(url)


@pytest.mark.parametrize("url", ["/\\attacker.example/x.jpg", "//attacker.example/x.jpg"])
def test_a_poster_on_another_site_in_disguise_is_refused(url):
    with pytest.raises(ValidationError, match="full address"):
        validate_poster_url(url)


def test_viewers_get_the_replay_with_the_show(live_event):
    live_event.replay_url = "https://cdn.example/replay.mp4"
    live_event.save(update_fields=["replay_url"])

    assert event_state(live_event)["event"]["replay_url"] == "https://cdn.example/replay.mp4"
