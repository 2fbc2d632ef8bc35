"""CPU-heavy work off the event loop, stopped when it runs past its budget.

Validating a new document is pure Python whose worst case (graphql-core's rule that fields can
be merged compares same-named fields pairwise) grows with the square of the document: about a
second for 4,000 tokens of one repeated field. Such work runs on a small thread pool, so the
event loop keeps answering (it takes the GIL back every few milliseconds). Once it has run for
its budget it is stopped: the thread traces its function calls (`sys.settrace`, that thread
only, calls only), and the next call into the stopped library's code raises `OverBudget` in
that frame, an ordinary exception unwinding the work.

The budget is the thread's own CPU time (`time.thread_time`), not the clock: on a busy worker
the thread waits for the GIL, and a small document validated in 5 ms of CPU could take 300 ms
of wall time (a clock budget refused one in CI). The clock still stops a run at `WALL_FACTOR`
times the budget, however starved the thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from types import FrameType
from typing import Any, TypeVar

T = TypeVar("T")

WORKERS = 2
WALL_FACTOR = 20
CHECK_EVERY = 64  # calls between two readings of the thread's CPU time
_executor = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="crm-budget")


class OverBudget(Exception):
    """The work ran past its budget and was stopped."""


class _Run:
    def __init__(
        self, work: Callable[[], Any], started: Callable[[], None], path: str, seconds: float
    ) -> None:
        self.work = work
        self.started = started
        self.path = path  # only calls into code under this path are stopped
        self.seconds = seconds
        self.deadline = math.inf  # of the thread's CPU time
        self.calls = 0
        self.stopped = False

    def __call__(self) -> Any:
        if self.stopped:
            raise OverBudget
        self.started()
        self.deadline = time.thread_time() + self.seconds
        sys.settrace(self._trace)
        try:
            return self.work()
        finally:
            sys.settrace(None)

    def _trace(self, frame: FrameType, event: str, arg: Any) -> None:
        # A call event only (no local tracing: None). Frames of other code running on this
        # thread meanwhile (a garbage collector's callback) are left alone.
        self.calls += 1
        if self.calls % CHECK_EVERY == 0 and time.thread_time() > self.deadline:
            self.stopped = True
        if self.stopped and self.path in frame.f_code.co_filename:
            raise OverBudget

    def stop(self) -> None:
        self.stopped = True


async def within_budget(work: Callable[[], T], seconds: float, path: str) -> T:
    """`work()`'s result; raises `OverBudget` once it has used `seconds` of its thread's CPU
    (time spent waiting for a free thread or for the GIL does not count), or has taken
    `WALL_FACTOR` times that on the clock. `path`: part of the file names of the code to stop."""
    loop = asyncio.get_running_loop()
    started = loop.create_future()

    def set_started() -> None:
        if not started.done():
            started.set_result(None)

    def mark_started() -> None:
        with contextlib.suppress(RuntimeError):  # the loop has closed meanwhile
            loop.call_soon_threadsafe(set_started)

    run = _Run(work, mark_started, path, seconds)
    future = loop.run_in_executor(_executor, run)
    future.add_done_callback(_retrieve)
    try:
        await asyncio.wait([started, future], return_when=asyncio.FIRST_COMPLETED)
        return await asyncio.wait_for(asyncio.shield(future), seconds * WALL_FACTOR)
    except TimeoutError:
        run.stop()
        raise OverBudget from None
    except asyncio.CancelledError:  # the client went away: its work stops too
        run.stop()
        raise


def _retrieve(future: asyncio.Future[Any]) -> None:
    """Marks a stopped run's exception as seen (nobody awaits it any more)."""
    if not future.cancelled():
        future.exception()
