"""The banner in step with the video (issue 10): every numbered change carries the server time it
was made, the show keeps the recent history of what was over the video, and the page
(static/js/video_sync.js) shows the entry of the moment its video is at."""

import time
from pathlib import Path

import pytest

from events import live_state, realtime, selectors, services
from events.models import LiveEvent
from tests.events.conftest import run_node

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def sent(monkeypatch):
    """Every message published, as sent (with its `at`)."""
    messages = []
    monkeypatch.setattr(realtime, "publish", lambda event_id, message: messages.append(message))
    return messages


@pytest.fixture
def clock(monkeypatch):
    """`clock.now = ms`: the server time the next changes are made at."""

    class Clock:
        now = 1_800_000_000_000

    monkeypatch.setattr(live_state, "now_ms", lambda: Clock.now)
    return Clock


def test_every_numbered_change_carries_the_server_time_it_was_made(
    live_event, host, sent, django_capture_on_commit_callbacks
):
    before = time.time() * 1000
    with django_capture_on_commit_callbacks(execute=True):
        services.event_set_banner(event=live_event, text="Doorbusters", by=host)
        services.event_set_slow_mode(event=live_event, seconds=5, by=host)
        services.event_stream_report(event=live_event, receiving=True)
    after = time.time() * 1000

    assert [m["type"] for m in sent] == ["banner", "slow_mode", "stream"]
    assert all(isinstance(m["at"], int) and before - 1 <= m["at"] <= after + 1 for m in sent)
    assert [m["at"] for m in sent] == sorted(m["at"] for m in sent)


def test_what_the_host_puts_over_the_video_is_kept_with_its_time_for_the_snapshot(
    live_event, host, show_products, clock, sent, django_capture_on_commit_callbacks
):
    # given a show with nothing over its video yet
    with django_capture_on_commit_callbacks(execute=True):
        # when the host features a product, sets a banner, then pins an announcement
        clock.now = 1_800_000_001_000
        services.event_feature_product(event=live_event, product_id=show_products[1].pk, by=host)
        clock.now = 1_800_000_002_500
        services.event_set_banner(event=live_event, text="Doorbusters", by=host)
        clock.now = 1_800_000_004_000
        services.event_set_announcement(event=live_event, text="Free shipping", by=host)

    # then each change is sent with its time
    assert [m["at"] for m in sent] == [1_800_000_001_000, 1_800_000_002_500, 1_800_000_004_000]
    # and the snapshot carries what was over the video since when (first: before the history)
    vacuum = show_products[1].pk
    assert selectors.event_state(live_event)["stage"] == {
        "max_delay": 15.0,
        "history": [
            {"at": 0, "featured": None, "banner": "", "announcement": ""},
            {"at": 1_800_000_001_000, "featured": vacuum, "banner": "", "announcement": ""},
            {
                "at": 1_800_000_002_500,
                "featured": vacuum,
                "banner": "Doorbusters",
                "announcement": "",
            },
            {
                "at": 1_800_000_004_000,
                "featured": vacuum,
                "banner": "Doorbusters",
                "announcement": "Free shipping",
            },
        ],
    }


def test_the_history_keeps_the_window_and_what_was_shown_when_it_starts(
    live_event, host, show_products, clock, settings, sent
):
    settings.LIVESHOP_VIDEO_SYNC_MAX_SECONDS = 10
    start = clock.now
    for offset, product in [(0, 0), (4_000, 1), (20_000, 2), (25_000, 0)]:
        clock.now = start + offset
        services.event_feature_product(
            event=live_event, product_id=show_products[product].pk, by=host
        )

    # the window is the last 10 s (from +15 s): the change at +4 s says what was shown then
    history = LiveEvent.objects.get(pk=live_event.pk).stage_history
    assert [(e["at"] - start, e["featured"]) for e in history] == [
        (4_000, show_products[1].pk),
        (20_000, show_products[2].pk),
        (25_000, show_products[0].pk),
    ]


def test_a_host_changing_the_banner_in_a_hurry_keeps_at_most_the_last_twenty(
    live_event, host, sent
):
    for n in range(30):
        services.event_set_banner(event=live_event, text=f"Deal {n}", by=host)

    history = LiveEvent.objects.get(pk=live_event.pk).stage_history
    assert len(history) == live_state.STAGE_HISTORY_MAX == 20
    assert history[-1]["banner"] == "Deal 29" and history[0]["banner"] == "Deal 10"


def test_changes_that_are_not_over_the_video_leave_its_history_alone(live_event, host, sent):
    services.event_set_slow_mode(event=live_event, seconds=5, by=host)
    services.event_stream_report(event=live_event, receiving=False)
    services.event_products_changed(event=live_event)

    assert LiveEvent.objects.get(pk=live_event.pk).stage_history == []
    assert selectors.event_state(live_event)["stage"]["history"] == []


# --- The page's rule (static/js/video_sync.js), run by Node ---------------------------------------

PAGE_SCRIPT = """
const { Stage, shownMoment } = await import(process.argv[1]);
const now = 1_000_000;
const max = 15_000;
const moments = {
  noServerTime: shownMoment({ now: null, frame: now - 4000, maxDelayMs: max }),
  nothingKnown: shownMoment({ now, maxDelayMs: max }),
  byFrame: shownMoment({ now, frame: now - 4000, behind: 3, maxDelayMs: max }),
  byLatency: shownMoment({ now, behind: 3.5, maxDelayMs: max }),
  bounded: shownMoment({ now, frame: now - 40000, maxDelayMs: max }),
  neverAhead: shownMoment({ now, frame: now + 2000, maxDelayMs: max }),
  syncOff: shownMoment({ now, frame: now - 4000, maxDelayMs: 0 }),
};
const A = { featured: 1, banner: "", announcement: "" };
const B = { featured: 2, banner: "", announcement: "" };
const C = { featured: 2, banner: "Last call", announcement: "" };
// A late joiner: the snapshot's history says A until 996 000, then B.
const late = new Stage([{ at: 0, ...A }, { at: 996_000, ...B }], B);
// A viewer who had A, then receives B and C live.
const live = new Stage([], A);
live.add(998_000, B);
live.add(999_000, C);
const pick = (stage, moment) => {
  const { entry, nextAt } = stage.find(moment);
  return { featured: entry.featured, banner: entry.banner, nextAt };
};
console.log(JSON.stringify({
  moments,
  late: [pick(late, now - 6000), pick(late, now - 4000), pick(late, Infinity)],
  live: [pick(live, 997_000), pick(live, 998_500), pick(live, 999_000)],
}));
"""


def run_page_rule() -> dict:
    return run_node(PAGE_SCRIPT, ROOT / "static/js/video_sync.js")


def test_the_page_shows_the_stage_of_the_moment_its_video_is_at_never_more_than_the_bound_late():
    moments = run_page_rule()["moments"]

    assert moments["byFrame"] == 996_000  # the frame on screen was filmed then
    assert moments["byLatency"] == 996_500  # hls.js's latency, when the frames carry no time
    assert moments["bounded"] == 985_000  # never more than 15 s behind
    assert moments["neverAhead"] == 1_000_000  # never ahead of the server
    assert moments["syncOff"] == 1_000_000  # a bound of 0: at once
    # unknown (no server time yet; a recording, the demo clip, Safari without a date): the latest
    assert moments["noServerTime"] is None and moments["nothingKnown"] is None  # Infinity


def test_a_late_joiner_sees_what_the_frame_they_watch_showed_then_each_change_on_time():
    result = run_page_rule()

    # 6 s behind, the late joiner sees A, and B is due when their video reaches 996 000
    assert result["late"] == [
        {"featured": 1, "banner": "", "nextAt": 996_000},
        {"featured": 2, "banner": "", "nextAt": None},
        {"featured": 2, "banner": "", "nextAt": None},  # unknown moment: the latest
    ]
    # and a viewer following live gets each change when their video reaches it
    assert result["live"] == [
        {"featured": 1, "banner": "", "nextAt": 998_000},
        {"featured": 2, "banner": "", "nextAt": 999_000},
        {"featured": 2, "banner": "Last call", "nextAt": None},
    ]
