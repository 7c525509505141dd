"""Keep the garbage collector's full collections off the fan-out's path.

With thousands of open connections a process holds millions of long-lived objects (each viewer's
protocol, transport, consumer, buffers). Python's full (generation 2) collection walks all of them:
measured at 150-600 ms with 1,000 viewers on one process, a pause for every viewer not reached
yet when it falls in a fan-out. Once a crowd has arrived and the process is quiet, this collects
the young generations (milliseconds: the objects made since the last collection) and moves every
object left to the permanent generation (`gc.freeze()`), which later collections skip. It does not
collect generation 2 first: that full pass was itself the pause (about 120 ms with 1,000 viewers,
falling on the host's first command after the herd; docs/benchmarks.md). So a reference cycle that
became garbage during the herd stays, frozen, until the next thaw: when the process has lost half
of the viewers it had at the freeze, it thaws (`gc.unfreeze()`), so those cycles and the ones left
by the viewers who left are collected, and freezes again once quiet. The memory benchmark (RSS per
idle viewer after a herd of 10,000) did not move.
"""

import asyncio
import gc
import logging
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

FREEZE_AFTER = 500  # viewers gained since the last freeze
QUIET_SECONDS = 1.0  # without a viewer joining


class Freezer:
    def __init__(self, viewers: Callable[[], int]):
        self.viewers = viewers
        self.frozen_with = 0
        self.last_join = time.monotonic()

    def joined(self) -> None:
        self.last_join = time.monotonic()

    async def run(self) -> None:
        while True:
            await asyncio.sleep(QUIET_SECONDS)
            self.check()

    def check(self) -> None:
        now = self.viewers()
        if self.frozen_with and now < self.frozen_with / 2:
            gc.unfreeze()
            log.info("Thawed the collector: %s viewers left of %s", now, self.frozen_with)
            self.frozen_with = 0
        elif (
            now >= self.frozen_with + FREEZE_AFTER
            and time.monotonic() - self.last_join >= QUIET_SECONDS
        ):
            started = time.perf_counter()
            gc.collect(1)
            gc.freeze()
            self.frozen_with = now
            log.info(
                "Froze the collector's objects with %s viewers (%.0f ms)",
                now,
                (time.perf_counter() - started) * 1000,
            )
