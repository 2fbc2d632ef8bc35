"""Seed a brand with realistic data for benchmarks: `python -m bench.seed --customers N`.

Per customer: profile, tags, an external id, notes, a membership on the default ladder, about
10 purchases with 1-3 items each, a points ledger (an EARN lot per purchase, some redemptions
consuming lots oldest first) whose sum is the membership balance, daily spend for tier rules,
and for some customers a ticket, an NPS answer and coupons (when the offers tables exist).

Rows are generated in Python and written set-based (COPY on PostgreSQL, executemany on
SQLite), one transaction per chunk; the database comes from CRM_DATABASE_URL.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from datetime import UTC, datetime

from tortoise import Tortoise

from bench.bulkload import Loader
from bench.seed_rows import STORES, BrandRows
from bench.seed_tables import Specs
from config import Settings
from models import Brand
from models.db import close_db, init_db, run_migrations
from models.stores import Store
from services.brands import brands
from services.loyalty import config as loyalty_config

CHUNK = 5_000


async def prepare(slug: str) -> tuple[BrandRows, Specs]:
    """The brand and its configuration through the ORM (a handful of rows)."""
    from models.surveys import Survey

    brand = await Brand.get_or_none(slug=slug)
    if brand is not None:
        await brand.delete()
    brand = await brands.create_brand(slug, f"Bench {slug}")
    tiers = await loyalty_config.ladder(brand.id)
    await loyalty_config.get_settings(brand.id)
    survey = await Survey.create(
        brand_id=brand.id,
        name="How likely are you to recommend us?",
        kind="NPS",
        status="ACTIVE",
        questions=[
            {"id": "q1", "kind": "NPS", "text": "Recommend us?", "required": True, "choices": []},
            {"id": "q2", "kind": "TEXT", "text": "Why?", "required": False, "choices": []},
        ],
    )
    offer_ids = await _offers(brand.id)
    specs = Specs.build(with_coupons=bool(offer_ids))
    calendar = loyalty_config.calendar(brand)
    stores = [
        await Store.create(brand_id=brand.id, code=code, name=code, timezone=brand.timezone)
        for code in STORES
    ]
    store_ids = [s.id for s in stores]
    rows = BrandRows(brand.id, [t.id for t in tiers], survey.id, offer_ids, calendar, store_ids)
    return rows, specs


async def _offers(brand_id: int) -> list[int]:
    if "offers" not in Tortoise.apps:
        return []
    from models.offers import Offer

    now = datetime.now(UTC)
    made = [
        await Offer.create(brand_id=brand_id, kind="AMOUNT_OFF", title="10 off", amount=10),
        await Offer.create(brand_id=brand_id, kind="PERCENT_OFF", title="15% off", percent=15),
        await Offer.create(
            brand_id=brand_id, kind="FREE_ITEM", title="Free latte", item_sku="LATTE", starts_at=now
        ),
    ]
    return [o.id for o in made]


async def load(loader: Loader, rows: BrandRows, specs: Specs, customers: int) -> None:
    await rows.reserve_ids(loader)
    for start in range(0, customers, CHUNK):
        chunk = rows.generate(start, min(CHUNK, customers - start))
        await loader.begin()
        for table, spec in specs.tables.items():
            await loader.load(spec, chunk.get(table, []))
        await loader.commit()


async def seed(database_url: str, slug: str, customers: int, seed_value: int = 7) -> None:
    await run_migrations(database_url)
    await init_db(database_url)
    try:
        rows, specs = await prepare(slug)
    finally:
        await close_db()
    rows.seed(seed_value)
    loader = Loader(database_url)
    await loader.open()
    began = time.perf_counter()
    try:
        await load(loader, rows, specs, customers)
    finally:
        await loader.finish()
    seconds = time.perf_counter() - began
    print(
        f"seeded {customers} customers, {loader.rows} rows in {len(loader.tables)} tables "
        f"in {seconds:.1f} s ({loader.rows / seconds:,.0f} rows/s)"
        + ("" if specs.with_coupons else "; no offers tables, so no coupons")
    )
    print(f"next: crm analytics refresh --brand {slug}  (lifecycle stages and RFM)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--brand", default="bench")
    parser.add_argument("--seed", type=int, default=7, help="random seed (same seed, same data)")
    args = parser.parse_args()
    asyncio.run(seed(Settings.from_env().database_url, args.brand, args.customers, args.seed))


if __name__ == "__main__":
    main()
