"""CPU-heavy work off the event loop, stopped when it runs past its budget.

Validating a new document is pure Python whose worst case (graphql-core's rule that fields can
be merged compares same-named fields pairwise) grows with the square of the document: about a
second for 4,000 tokens of one repeated field. Such work runs on a small thread pool, so the
event loop keeps answering (it takes the GIL back every few milliseconds). Once it has run for
its budget it is stopped: the thread traces its function calls (`sys.settrace`, that thread
only, calls only), and the next call into the stopped library's code raises `OverBudget` in
that frame, an ordinary exception unwinding the work.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from types import FrameType
from typing import Any, TypeVar

T = TypeVar("T")

WORKERS = 2
_executor = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="crm-budget")


class OverBudget(Exception):
    """The work ran past its budget and was stopped."""


class _Run:
    def __init__(self, work: Callable[[], Any], started: Callable[[], None], path: str) -> None:
        self.work = work
        self.started = started
        self.path = path  # only calls into code under this path are stopped
        self.stopped = False

    def __call__(self) -> Any:
        if self.stopped:
            raise OverBudget
        self.started()
        sys.settrace(self._trace)
        try:
            return self.work()
        finally:
            sys.settrace(None)

    def _trace(self, frame: FrameType, event: str, arg: Any) -> None:
        # A call event only (no local tracing: None). Frames of other code running on this
        # thread meanwhile (a garbage collector's callback) are left alone.
        if self.stopped and self.path in frame.f_code.co_filename:
            raise OverBudget

    def stop(self) -> None:
        self.stopped = True


async def within_budget(work: Callable[[], T], seconds: float, path: str) -> T:
    """`work()`'s result; raises `OverBudget` once it has run `seconds` (time spent waiting for a
    free thread does not count). `path`: part of the file names of the code to stop."""
    loop = asyncio.get_running_loop()
    started = loop.create_future()

    def set_started() -> None:
        if not started.done():
            started.set_result(None)

    def mark_started() -> None:
        with contextlib.suppress(RuntimeError):  # the loop has closed meanwhile
            loop.call_soon_threadsafe(set_started)

    run = _Run(work, mark_started, path)
    future = loop.run_in_executor(_executor, run)
    future.add_done_callback(_retrieve)
    try:
        await asyncio.wait([started, future], return_when=asyncio.FIRST_COMPLETED)
        return await asyncio.wait_for(asyncio.shield(future), seconds)
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
