"""Viewer counts are reported every few seconds for every busy show: they are not numbered
changes, never take the show's row lock, and never move its `seq`."""

import json
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
from django.db import connection, transaction

from events import selectors, services
from events.models import LiveEvent

ROOT = Path(__file__).resolve().parents[2]


def test_a_viewer_count_is_sent_without_seq_and_leaves_the_seq_alone(
    live_event, host, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.event_set_banner(event=live_event, text="Doorbusters", by=host)
        services.event_viewers_set(event_id=live_event.pk, count=1200)
        services.event_set_banner(event=live_event, text="Last call", by=host)

    assert published == [
        {"type": "banner", "text": "Doorbusters", "seq": 1},
        {"type": "viewers", "count": 1200},
        {"type": "banner", "text": "Last call", "seq": 2},
    ]
    live_event.refresh_from_db()
    assert live_event.seq == 2
    assert selectors.event_state(live_event)["viewers"] == 1200


@pytest.mark.django_db(transaction=True)
def test_a_viewer_count_report_does_not_wait_for_the_shows_row_lock(live_event, published):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are a PostgreSQL matter (SQLite locks the whole database)")
    locked, release = threading.Event(), threading.Event()

    def host_command_in_progress():
        try:
            with transaction.atomic():
                LiveEvent.objects.select_for_update().get(pk=live_event.pk)
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    holder = threading.Thread(target=host_command_in_progress)
    holder.start()
    try:
        assert locked.wait(5)
        with connection.cursor() as cursor:  # fail fast instead of waiting for the lock
            cursor.execute("SET lock_timeout = '2s'")
        services.event_viewers_set(event_id=live_event.pk, count=37)
        assert not release.is_set()  # the report finished while the row was still locked
    finally:
        release.set()
        holder.join()
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = 0")

    assert published == [{"type": "viewers", "count": 37}]
    live_event.refresh_from_db()
    assert live_event.seq == 0
    assert selectors.event_state(live_event)["viewers"] == 37


# --- The browser's client (static/js/live.js) ----------------------------------------------------

CLIENT_SCRIPT = """
globalThis.WebSocket = class {
  static OPEN = 1;
  constructor() { this.readyState = 1; this.sent = []; }
  addEventListener() {}
  send(text) { this.sent.push(JSON.parse(text)); }
};
const { LiveConnection } = await import(process.argv[1]);
const applied = [];
const connection = new LiveConnection("ws://test/", {
  onState: (state) => applied.push({ state: state.seq }),
  onMessage: (message) => applied.push(message),
});
for (const message of JSON.parse(process.argv[2])) connection.handle(message);
console.log(JSON.stringify({ applied, seq: connection.seq, sent: connection.socket.sent }));
"""


def run_client(messages: list[dict]) -> dict:
    node = shutil.which("node")
    if node is None:
        pytest.skip("needs Node.js to run static/js/live.js")
    result = subprocess.run(
        [
            node,
            "--input-type=module",
            "-e",
            CLIENT_SCRIPT,
            (ROOT / "static/js/live.js").as_uri(),
            json.dumps(messages),
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return json.loads(result.stdout)


def test_the_browser_applies_unnumbered_viewer_counts_without_touching_its_seq():
    result = run_client(
        [
            {"type": "state", "seq": 4},
            {"type": "viewers", "count": 10},
            {"type": "banner", "seq": 5, "text": "Doorbusters"},
            {"type": "viewers", "count": 12},
            {"type": "banner", "seq": 6, "text": "Last call"},
        ]
    )

    assert result["applied"] == [
        {"state": 4},
        {"type": "viewers", "count": 10},
        {"type": "banner", "seq": 5, "text": "Doorbusters"},
        {"type": "viewers", "count": 12},
        {"type": "banner", "seq": 6, "text": "Last call"},
    ]
    assert result["seq"] == 6 and result["sent"] == []  # no gap, so no resync


def test_the_browser_still_resyncs_on_a_gap_in_numbered_changes():
    result = run_client(
        [
            {"type": "state", "seq": 4},
            {"type": "banner", "seq": 4, "text": "old"},
            {"type": "banner", "seq": 6, "text": "after a gap"},
            {"type": "viewers", "count": 3},  # while the snapshot is on its way
            {"type": "state", "seq": 6},
        ]
    )

    assert result["applied"] == [{"state": 4}, {"state": 6}]
    assert result["sent"] == [{"type": "sync"}]
