"""events/page_cache.py: a crowd opening the event page at once reads the show and builds its state
once per process, and a change is picked up."""

import threading
import time
from datetime import UTC, datetime
from types import SimpleNamespace

from events import page_cache, selectors


def crowd(n, call):
    start = threading.Barrier(n)
    results = []

    def one():
        start.wait()
        results.append(call())

    threads = [threading.Thread(target=one) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_a_crowd_on_a_cold_page_reads_the_show_and_builds_its_state_once(monkeypatch):
    show = SimpleNamespace(pk=7, created_at=datetime(2026, 11, 29, tzinfo=UTC), seq=3)
    reads, builds = [], []

    def read(slug):
        reads.append(slug)
        time.sleep(0.05)  # slow enough that the whole crowd arrives meanwhile
        return show

    def build(event):
        builds.append(event.seq)
        time.sleep(0.05)
        return {"seq": event.seq}

    monkeypatch.setattr(selectors, "public_event", read)
    monkeypatch.setattr(selectors, "event_state", build)

    pages = crowd(30, lambda: page_cache.page_state(page_cache.page_event("cyber-week-live")))

    assert reads == ["cyber-week-live"] and builds == [3]
    assert pages == [{"seq": 3}] * 30

    # a change (a newer seq read once the show's copy expired) is built once more
    show.seq = 4
    page_cache._events.clear()
    assert (
        crowd(10, lambda: page_cache.page_state(page_cache.page_event("cyber-week-live")))
        == [{"seq": 4}] * 10
    )
    assert builds == [3, 4]
