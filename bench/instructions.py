"""Instructions per request, counted by valgrind's callgrind: repeatable where timings drift.

    CRM_DATABASE_URL=postgres://... python -m bench.instructions [--case nested|award|all]

Each measured side runs in a process of its own under `valgrind --tool=callgrind`, twice: with
a few requests and with many more. The difference, divided by the extra requests, is the
instructions one request costs, start-up cancelled out. It counts the process's own
instructions: not the database's work, not cache misses (object-heavy Python runs fewer
instructions per cycle than the baseline's C, so its time ratio is lower than its instruction
ratio). For the nested page the count comes back within 0.2 % run after run, whatever else the
machine does: use it to see whether a change helped by 2 %, which the load benchmarks cannot
tell from noise. A points write is mostly round trips to the database, and how often the event
loop finds a reply already there varies: its count drifts by up to 10 % between runs.

- nested: benchmark 1's page through `schema.execute` (authentication included) against the
  hand-written handler (bench/baseline_app.customers_page).
- award: `awardPoints` through `schema.execute` (authentication included), the service called
  directly, and the baseline's transaction (bench/points_baseline.award_sql).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Awaitable, Callable

from config import Settings

FEW, MANY = 5, 25
SIDES = {"nested": ("graphql", "baseline"), "award": ("graphql", "service", "baseline")}


async def _nested_side(settings: Settings, side: str) -> Callable[[int], Awaitable[object]]:
    import asyncpg

    from bench.nested_inprocess import baseline_page, graphql_page
    from bench.nested_read import demo_token
    from models.db import init_db
    from schema import build_schema

    token = await demo_token(settings, "bench")  # the benchmark's app, made if missing
    await init_db(settings.database_url)
    if side == "baseline":
        url = settings.database_url.replace("postgres://", "postgresql://", 1)
        page = baseline_page(await asyncpg.create_pool(url, min_size=1, max_size=2), "bench", True)
    else:
        page = graphql_page(build_schema(), settings, token, True)
    return lambda _: page()


async def _award_side(settings: Settings, side: str) -> Callable[[int], Awaitable[object]]:
    import asyncpg

    from bench.award_inprocess import baseline_award, graphql_award, service_award
    from bench.points_writes import bench_token, pick_customers
    from models.db import init_db
    from schema import build_schema

    url = settings.database_url.replace("postgres://", "postgresql://", 1)
    token, brand_id, app_id = await bench_token(settings, "bench")
    customers = await pick_customers(url, brand_id, 5000)
    if side == "baseline":
        pool = await asyncpg.create_pool(url, min_size=1, max_size=2)
        return baseline_award(pool, brand_id, app_id, customers)
    await init_db(settings.database_url)
    if side == "service":
        return service_award(brand_id, app_id, customers)
    return graphql_award(build_schema(), settings, token, customers)


async def _child(case: str, side: str, requests: int) -> None:
    import gc

    from models.db import close_db

    settings = Settings.from_env()
    make = _nested_side if case == "nested" else _award_side
    call = await make(settings, side)
    gc.set_threshold(50_000, 50, 100)  # as the server runs (server.GC_THRESHOLDS)
    for i in range(3 + requests):  # three to warm the caches, as in both runs
        await call(i)
    await close_db()


def _instructions(case: str, side: str, requests: int) -> int:
    command = [
        "valgrind",
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        "-m",
        "bench.instructions",
        "--child",
        case,
        side,
        str(requests),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode != 0 or found is None:
        raise SystemExit(f"{case}/{side} failed:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def per_request(case: str, side: str) -> float:
    """Millions of instructions one request costs, start-up cancelled out."""
    few, many = _instructions(case, side, FEW), _instructions(case, side, MANY)
    return (many - few) / (MANY - FEW) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--case", choices=["nested", "award", "all"], default="all")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        case, side, requests = args.child
        asyncio.run(_child(case, side, int(requests)))
        return
    if Settings.from_env().is_sqlite:
        raise SystemExit("the baselines use asyncpg: set CRM_DATABASE_URL=postgres://")
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed")
    os.environ.setdefault("PYTHONHASHSEED", "0")  # the same hashing in every run
    for case in SIDES if args.case == "all" else [args.case]:
        counts = {side: per_request(case, side) for side in SIDES[case]}
        figures = ", ".join(f"{side} {count:.2f}" for side, count in counts.items())
        ratio = counts["baseline"] / counts["graphql"]
        print(f"{case}: millions of instructions per request: {figures}")
        print(f"{case}: ratio baseline/graphql {ratio:.2f}x in instructions (not time)")


if __name__ == "__main__":
    main()
