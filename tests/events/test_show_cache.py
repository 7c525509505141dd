"""events/show_cache.py: one store per process of the open shows and their snapshots, for the
event page and the websocket. A crowd opening the page at once reads the show and builds its state
once, a change is picked up, and what one side read serves the other when it may."""

import asyncio
import threading
import time
from types import SimpleNamespace

import pytest

from events import selectors, show_cache
from events.show_cache import CACHE, Snapshot, Snapshots


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


@pytest.fixture
def reads(monkeypatch):
    """The show's database reads: `reads.shows` by slug, `reads.states` by seq."""
    show = SimpleNamespace(pk=7, seq=3)
    seen = SimpleNamespace(show=show, shows=[], states=[])

    def read(slug):
        seen.shows.append(slug)
        time.sleep(0.05)  # slow enough that the whole crowd arrives meanwhile
        return show

    def build(event):
        seen.states.append(event.seq)
        time.sleep(0.05)
        return {"seq": event.seq, "viewers": 0}

    monkeypatch.setattr(selectors, "open_event", read)
    monkeypatch.setattr(selectors, "event_state", build)
    return seen


def page(slug="cyber-week-live"):
    return show_cache.page_state(show_cache.page_event(slug))


def test_a_crowd_on_a_cold_page_reads_the_show_and_builds_its_state_once(reads):
    pages = crowd(30, page)

    assert reads.shows == ["cyber-week-live"] and reads.states == [3]
    assert pages == [{"seq": 3, "viewers": 0}] * 30

    # a change (a newer seq read once the show's copy expired) is built once more
    reads.show.seq = 4
    CACHE.keep_show("cyber-week-live", None)
    assert crowd(10, page) == [{"seq": 4, "viewers": 0}] * 10
    assert reads.states == [3, 4]


@pytest.mark.asyncio
async def test_a_snapshot_the_hub_read_serves_the_page_without_a_read(reads):
    snapshots = Snapshots()
    snapshots.follow(7)
    await snapshots.get(7, lambda: asyncio.to_thread(show_cache.snapshot_read, reads.show))

    assert page() == {"seq": 3, "viewers": 0}
    assert reads.states == [3]


@pytest.mark.asyncio
async def test_the_hub_uses_a_snapshot_the_page_read_only_if_read_since_it_joined_the_group(reads):
    builds = []

    async def build():
        builds.append(1)
        return Snapshot(seq=3, head='{"type":"state","seq":3', viewers=0)

    page()  # read before the hub joined the show's group: it may lack a change the hub missed
    snapshots = Snapshots()
    snapshots.follow(7)
    await snapshots.get(7, build)
    assert builds == [1]

    CACHE.clear()
    page()  # read since the hub joined: the hub may give it to its viewers
    await snapshots.get(7, build)
    assert builds == [1] and reads.states == [3, 3]


def test_a_newer_snapshot_replaces_an_older_one_and_never_the_reverse():
    CACHE.keep_snapshot(7, Snapshot(seq=5, head="", viewers=0))
    CACHE.keep_snapshot(7, Snapshot(seq=4, head="", viewers=0))

    assert CACHE.snapshot(7, seq_at_least=0).seq == 5
    assert CACHE.snapshot(7, seq_at_least=6) is None
