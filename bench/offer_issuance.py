"""Bulk issuance of an offer to 100,000 customers against a bare INSERT ... SELECT baseline.

    createdb -h 127.0.0.1 -U postgres crm_bench_offers
    CRM_DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm_bench_offers \\
        python -m bench.offer_issuance --customers 100000

Seeds a fresh brand with N customers (one statement), then times, in the same run:
- baseline: one INSERT ... SELECT of N coupon rows with SQL-made codes, nothing else;
- issue(): the service campaigns call (row lock, limit check, secrets-made codes, N
  coupon.issued outbox events, audit), over a member statement selecting the brand.
Prints both times and the ratio issue/baseline, and checks a second issue() is a no-op.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
import uuid

from models.db import close_db, init_db, run_migrations
from services.brands import brands
from services.common.actor import Actor
from services.offers import offers
from services.offers import sql as offer_sql
from services.offers.issuance import issue


async def _seed(brand_id: int, count: int) -> None:
    await offer_sql.execute(
        "INSERT INTO customers (brand_id, name, gender, marketing_consent, created_at, updated_at)"
        " SELECT ?, 'Bench ' || CAST(g AS VARCHAR(16)), 'UNKNOWN', false, now(), now()"
        " FROM generate_series(1, ?) AS g",
        [brand_id, count],
    )


async def _baseline(brand_id: int, offer_id: int) -> float:
    started = time.perf_counter()
    await offer_sql.execute(
        "INSERT INTO coupons (brand_id, offer_id, customer_id, code, status, issued_at, source)"
        " SELECT c.brand_id, ?, c.id, upper(substr(md5(random()::text || c.id::text), 1, 12)),"
        " 'ISSUED', now(), 'BENCH' FROM customers c WHERE c.brand_id = ?",
        [offer_id, brand_id],
    )
    elapsed = time.perf_counter() - started
    await offer_sql.execute("DELETE FROM coupons WHERE offer_id = ?", [offer_id])
    return elapsed


async def main(count: int) -> None:
    url = os.environ["CRM_DATABASE_URL"]
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("this benchmark needs PostgreSQL (CRM_DATABASE_URL)")
    await run_migrations(url)
    await init_db(url)
    try:
        brand = await brands.create_brand(f"bench-{uuid.uuid4().hex[:8]}", "Bench offers")
        actor = Actor.system(brand.id, "bench")
        await _seed(brand.id, count)
        offer = await offers.create_offer(actor, {"kind": "AMOUNT_OFF", "title": "B", "amount": 5})
        baseline = await _baseline(brand.id, offer.id)
        members = ("SELECT id FROM customers WHERE brand_id = ?", [brand.id])
        started = time.perf_counter()
        issued = await issue(actor, offer.id, member_sql=members, idempotency_key="bench-1")
        elapsed = time.perf_counter() - started
        again = await issue(actor, offer.id, member_sql=members, idempotency_key="bench-2")
        print(f"customers            {count}")
        print(f"baseline INSERT      {baseline:.3f} s")
        print(f"issue() with events  {elapsed:.3f} s  ({issued} coupons)")
        print(f"ratio issue/baseline {elapsed / baseline:.2f}")
        print(f"second issue()       {again} coupons (everyone at the limit)")
    finally:
        await close_db()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=100_000)
    asyncio.run(main(parser.parse_args().customers))
