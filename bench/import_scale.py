"""Imports at scale on PostgreSQL: customers and purchases imported from files through the
import jobs, against a raw COPY of the same rows into plain tables in the same run, with the
process's peak memory, and the plan of an attribute filter over the imported members.

    .venv/bin/python -m bench.import_scale --database-url postgres://postgres@127.0.0.1/scratch \\
        --customers 100000 --purchases 1000000

The database's public schema is dropped and migrated first: give it a scratch database.
Prints one JSON line per measurement.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import tempfile
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

from config import Settings
from models.db import close_db, init_db, run_migrations

CUSTOMER_COLUMNS = ["externalSystem", "externalId", "name", "phone", "email", "attributes.shoeSize"]
PURCHASE_COLUMNS = ["customerSystem", "customerExternalId", "externalId", "amount", "occurredAt"]


def emit(**values: Any) -> None:
    print(json.dumps(values), flush=True)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def write_files(folder: Path, customers: int, purchases: int) -> tuple[Path, Path]:
    rng = random.Random(26)
    people = folder / "customers.csv"
    with people.open("w") as out:
        out.write(",".join(CUSTOMER_COLUMNS) + "\n")
        for n in range(customers):
            size = 34 + n % 13
            out.write(f"pos,C{n},Member {n},+86138{n:08d},m{n}@example.com,{size}\n")
    bought = folder / "purchases.csv"
    now = datetime.now(UTC)
    with bought.open("w") as out:
        out.write(",".join(PURCHASE_COLUMNS) + "\n")
        for n in range(purchases):
            when = now - timedelta(minutes=rng.randint(60, 365 * 24 * 60))
            amount = rng.randint(500, 50000) / 100
            out.write(f"pos,C{rng.randrange(customers)},T{n},{amount:.2f},{when.isoformat()}\n")
    return people, bought


async def reset(url: str) -> None:
    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        await conn.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;")
    finally:
        await conn.close()


async def raw_copy(url: str, path: Path, columns: list[str]) -> float:
    """COPY the file's rows into a plain table of text columns; rows per second."""
    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    table = f"raw_{path.stem}"
    try:
        names = ", ".join(f'"{c}" text' for c in columns)
        await conn.execute(f"DROP TABLE IF EXISTS {table}; CREATE TABLE {table} ({names})")
        started = time.perf_counter()
        result = await conn.copy_to_table(table, source=str(path), format="csv", header=True)
        elapsed = time.perf_counter() - started
        count = int(result.split()[-1])
        await conn.execute(f"DROP TABLE {table}")
    finally:
        await conn.close()
    return count / elapsed


async def _chunks(path: Path) -> AsyncIterator[bytes]:
    with path.open("rb") as source:
        while chunk := source.read(256 * 1024):
            yield chunk


async def import_file(settings: Settings, brand_id: int, path: Path, kind: str) -> dict[str, Any]:
    from services.common.actor import Actor
    from services.imports import imports
    from services.jobs import files, jobs
    from services.jobs.runner import JobRunner

    actor = Actor.system(brand_id, "bench")
    job = await imports.start_import(actor, kind, "CSV", "REJECT_FAILED_ROWS", {})
    target = files.path_of(settings, brand_id, job.id, "input-bench")
    size = await files.receive(_chunks(path), target, 1 << 40)
    await jobs.input_received(job, "input-bench", size)
    started = time.perf_counter()
    ended = await JobRunner(settings, owner="bench").run_job(job.id)
    elapsed = time.perf_counter() - started
    assert ended is not None
    return {
        "state": ended.state,
        "rows": ended.processed,
        "written": ended.succeeded,
        "failed": ended.failed,
        "seconds": round(elapsed, 1),
        "rows_per_s": round(ended.processed / elapsed, 1),
        "error": ended.error,
    }


async def attribute_plan(brand_id: int) -> list[str]:
    """The plan of `customers(first: 20, filter: {attributes: [{key: "shoeSize", min: 46}]})`:
    the statement services.customers.query builds for it (its ORM query, parameters inlined)."""
    from tortoise import Tortoise

    from services.attributes import values as attribute_values
    from services.attributes.filters import AttributeCondition, holders

    attribute = (await attribute_values.definitions(brand_id))["shoeSize"]
    condition = AttributeCondition(attribute, min=attribute_values.clean_value(attribute, 46))
    inner = holders(condition).values("customer_id").sql(params_inline=True)
    sql = (
        f"SELECT id FROM customers WHERE brand_id = {int(brand_id)} AND id IN ({inner})"
        " ORDER BY created_at DESC, id DESC LIMIT 21"
    )
    conn = Tortoise.get_connection("default")
    await conn.execute_script("ANALYZE customer_attribute_values; ANALYZE customers")
    rows = await conn.execute_query_dict(f"EXPLAIN ANALYZE {sql}")
    return [sql, *(row["QUERY PLAN"] for row in rows)]


async def main(args: argparse.Namespace) -> None:
    url = args.database_url
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        people, bought = write_files(folder, args.customers, args.purchases)
        emit(step="files", customers=args.customers, purchases=args.purchases)
        await reset(url)
        await run_migrations(url)
        copy_people = await raw_copy(url, people, CUSTOMER_COLUMNS)
        copy_bought = await raw_copy(url, bought, PURCHASE_COLUMNS)
        emit(
            step="copy",
            customers_rows_per_s=round(copy_people),
            purchases_rows_per_s=round(copy_bought),
        )
        settings = Settings(database_url=url, jwt_secret="bench" * 10, var_dir=folder / "var")
        await init_db(url)
        try:
            from services.attributes.definitions import define_attribute
            from services.brands import brands
            from services.common.actor import Actor

            brand = await brands.create_brand("bench", "Bench")
            await define_attribute(Actor.system(brand.id), {"key": "shoeSize", "type": "NUMBER"})
            memory_before = peak_mb()
            customers = await import_file(settings, brand.id, people, "CUSTOMERS")
            emit(
                step="import customers",
                **customers,
                ratio_to_copy=round(customers["rows_per_s"] / copy_people, 4),
                peak_mb=round(peak_mb()),
            )
            if args.again:  # every row matches its customer and changes nothing
                again = await import_file(settings, brand.id, people, "CUSTOMERS")
                emit(step="import customers again", **again, peak_mb=round(peak_mb()))
            purchases = await import_file(settings, brand.id, bought, "PURCHASES")
            emit(
                step="import purchases",
                **purchases,
                ratio_to_copy=round(purchases["rows_per_s"] / copy_bought, 4),
                peak_mb=round(peak_mb()),
                peak_mb_before_imports=round(memory_before),
            )
            emit(step="attribute filter plan", plan=await attribute_plan(brand.id))
        finally:
            await close_db()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--purchases", type=int, default=1_000_000)
    parser.add_argument(
        "--again", action="store_true", help="import the customers' file a second time"
    )
    asyncio.run(main(parser.parse_args()))
