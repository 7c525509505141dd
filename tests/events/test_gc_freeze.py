"""The collector's full collections stay off the fan-out's path once a crowd has arrived."""

import gc

import pytest

from events import gc_freeze
from events.gc_freeze import Freezer


@pytest.fixture
def thawed():
    yield
    gc.unfreeze()


def test_a_quiet_crowd_is_frozen_then_thawed_when_half_has_left(thawed, monkeypatch):
    monkeypatch.setattr(gc_freeze, "QUIET_SECONDS", 0)
    viewers = [gc_freeze.FREEZE_AFTER - 1]
    freezer = Freezer(lambda: viewers[0])

    freezer.check()
    assert gc.get_freeze_count() == 0  # not enough viewers yet

    viewers[0] += 1
    freezer.check()
    assert gc.get_freeze_count() > 0 and freezer.frozen_with == gc_freeze.FREEZE_AFTER

    viewers[0] = gc_freeze.FREEZE_AFTER // 2 - 1
    freezer.check()
    assert gc.get_freeze_count() == 0 and freezer.frozen_with == 0


def test_nothing_is_frozen_while_viewers_are_still_arriving(thawed, monkeypatch):
    monkeypatch.setattr(gc_freeze, "QUIET_SECONDS", 3600)
    freezer = Freezer(lambda: 10 * gc_freeze.FREEZE_AFTER)

    freezer.joined()
    freezer.check()

    assert gc.get_freeze_count() == 0
