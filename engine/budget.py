"""CPU-heavy work off the event loop, stopped when it runs past its budget.

Validating a new document is pure Python whose worst case (graphql-core's rule that fields can
be merged compares same-named fields pairwise) grows with the square of the document: about a
second for 4,000 tokens of one repeated field. Such work runs on a small thread pool, so the
event loop keeps answering (it takes the GIL back every few milliseconds), and once it has run
for its budget an `OverBudget` exception is raised inside the thread
(`PyThreadState_SetAsyncExc`), which stops it at its next bytecode.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")

WORKERS = 2
_executor = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="crm-budget")


class OverBudget(Exception):
    """The work ran past its budget and was stopped."""


class _Run:
    def __init__(self, work: Callable[[], Any], started: Callable[[], None]) -> None:
        self.work = work
        self.started = started
        self.lock = threading.Lock()
        self.thread_id: int | None = None
        self.finished = False
        self.abandoned = False

    def __call__(self) -> Any:
        with self.lock:
            if self.abandoned:
                raise OverBudget
            self.thread_id = threading.get_ident()
        self.started()
        try:
            return self.work()
        finally:
            with self.lock:
                self.finished = True
                assert self.thread_id is not None
                # An interruption asked for just as the work ended must not hit the pool's
                # next task: clear it (NULL clears the thread's pending exception).
                _set_async_exc(self.thread_id, None)

    def interrupt(self) -> None:
        with self.lock:
            self.abandoned = True
            if self.thread_id is not None and not self.finished:
                _set_async_exc(self.thread_id, OverBudget)


def _set_async_exc(thread_id: int, exception: type[BaseException] | None) -> None:
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread_id), ctypes.py_object(exception) if exception else None
    )


async def within_budget(work: Callable[[], T], seconds: float) -> T:
    """`work()`'s result; raises `OverBudget` once it has run `seconds` (time spent waiting for a
    free thread does not count)."""
    loop = asyncio.get_running_loop()
    started = loop.create_future()

    def set_started() -> None:
        if not started.done():
            started.set_result(None)

    def mark_started() -> None:
        with contextlib.suppress(RuntimeError):  # the loop has closed meanwhile
            loop.call_soon_threadsafe(set_started)

    run = _Run(work, mark_started)
    future = loop.run_in_executor(_executor, run)
    future.add_done_callback(_retrieve)
    try:
        await asyncio.wait([started, future], return_when=asyncio.FIRST_COMPLETED)
        return await asyncio.wait_for(asyncio.shield(future), seconds)
    except TimeoutError:
        run.interrupt()
        raise OverBudget from None
    except asyncio.CancelledError:  # the client went away: its work stops too
        run.interrupt()
        raise


def _retrieve(future: asyncio.Future[Any]) -> None:
    """Marks an interrupted run's exception as seen (nobody awaits it any more)."""
    if not future.cancelled():
        future.exception()
