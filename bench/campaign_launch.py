"""Launching a campaign and reading its stats, against baselines measured in the same run.

    createdb -h 127.0.0.1 -U postgres crm_bench_campaigns
    CRM_DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm_bench_campaigns \\
        python -m bench.campaign_launch --customers 100000

Seeds a fresh brand with N customers of one city and 2 purchases each (set-based), a segment
of that city and two offers, then times:
- launch: launchCampaign's service (snapshot, 10% holdout, issue to the 90% treated);
  baseline: issue() of the other offer to the whole segment, the step a campaign adds to;
- stats: campaign_stats() (four aggregate statements);
  baseline: one bare GROUP BY of the brand's purchases per customer.
Prints the times and the ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from models.db import close_db, init_db, run_migrations
from services.brands import brands
from services.campaigns import campaigns
from services.campaigns import stats as campaign_stats
from services.common import sql
from services.common.actor import Actor
from services.offers import offers
from services.offers.issuance import issue
from services.segments import segments


async def _seed(brand_id: int, count: int) -> None:
    await sql.execute(
        "INSERT INTO customers (brand_id, name, city, gender, marketing_consent, created_at,"
        " updated_at) SELECT ?, 'Bench ' || CAST(g AS VARCHAR(16)), 'Bench', 'UNKNOWN', false,"
        " now(), now() FROM generate_series(1, ?) AS g",
        [brand_id, count],
    )
    await sql.execute(
        "INSERT INTO purchases (brand_id, customer_id, amount, refunded_amount, points_earned,"
        " points_reversed, points_unrecovered, occurred_at, created_at)"
        " SELECT c.brand_id, c.id, ((c.id * 31 + k) % 300) + 0.5, 0, 0, 0, 0,"
        " now() - make_interval(days => CAST((c.id * 7 + k * 3) % 20 AS INTEGER)), now()"
        " FROM customers c CROSS JOIN generate_series(1, 2) AS k WHERE c.brand_id = ?",
        [brand_id],
    )


async def _timed_baseline_stats(brand_id: int) -> float:
    started = time.perf_counter()
    await sql.fetch(
        "SELECT customer_id, SUM(amount - refunded_amount) AS net FROM purchases"
        " WHERE brand_id = ? GROUP BY customer_id",
        [brand_id],
    )
    return time.perf_counter() - started


async def main(count: int) -> None:
    url = os.environ["CRM_DATABASE_URL"]
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("this benchmark needs PostgreSQL (CRM_DATABASE_URL)")
    await run_migrations(url)
    await init_db(url)
    try:
        brand = await brands.create_brand(f"bench-{uuid.uuid4().hex[:8]}", "Bench campaigns")
        actor = Actor.system(brand.id, "bench")
        await _seed(brand.id, count)
        segment = await segments.create_segment(
            actor, segments.SegmentSpec(name="Bench city", rule={"city": {"in": ["Bench"]}})
        )
        amount_off = {"kind": "AMOUNT_OFF", "title": "A", "amount": 5}
        plain = await offers.create_offer(actor, amount_off)
        promoted = await offers.create_offer(actor, {**amount_off, "title": "B"})

        started = time.perf_counter()
        await issue(actor, plain.id, segment_id=segment.id, idempotency_key="bench-plain")
        baseline_launch = time.perf_counter() - started

        now = datetime.now(UTC)
        spec = campaigns.CampaignSpec(
            name="Bench",
            segment_id=segment.id,
            offer_ids=[promoted.id],
            starts_at=now - timedelta(days=10),
            ends_at=now + timedelta(days=10),
            holdout_percent=Decimal(10),
        )
        campaign = await campaigns.create_campaign(actor, spec)
        started = time.perf_counter()
        campaign = await campaigns.launch_campaign(actor, campaign.id)
        launch = time.perf_counter() - started

        baseline_stats = await _timed_baseline_stats(brand.id)
        started = time.perf_counter()
        stats = await campaign_stats.campaign_stats(campaign)
        elapsed_stats = time.perf_counter() - started

        print(f"customers                 {count}")
        print(f"baseline issue(segment)   {baseline_launch:.3f} s")
        print(f"launch (10% holdout)      {launch:.3f} s  ({stats.issued} coupons)")
        print(f"ratio launch/issue        {launch / baseline_launch:.2f}")
        print(f"baseline GROUP BY         {baseline_stats:.3f} s")
        print(f"campaign_stats()          {elapsed_stats:.3f} s")
        print(f"ratio stats/GROUP BY      {elapsed_stats / baseline_stats:.2f}")
        print(f"holdout                   {stats.holdout} of {stats.targeted}")
    finally:
        await close_db()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=100_000)
    asyncio.run(main(parser.parse_args().customers))
