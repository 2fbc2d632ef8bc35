"""The validation budget counts the work's own CPU time: a thread that waits (for the GIL on a
busy worker, here for a sleep) is not stopped; one that computes past its budget is."""

from __future__ import annotations

import time

import pytest

from engine.budget import OverBudget, within_budget


async def test_waiting_does_not_count_against_the_budget() -> None:
    def waits() -> str:
        time.sleep(0.3)  # six budgets of wall time, no CPU
        return "done"

    assert await within_budget(waits, 0.05, "test_budget") == "done"


async def test_work_past_its_cpu_budget_is_stopped() -> None:
    def step() -> int:
        return 1

    def spins() -> int:
        total = 0
        while True:
            total += step()

    started = time.perf_counter()
    with pytest.raises(OverBudget):
        await within_budget(spins, 0.05, "test_budget")
    assert time.perf_counter() - started < 1.0  # the budget, not the clock's cap (20 x)
