"""Seed a brand with realistic customers for benchmarks: `python -m bench.seed --customers N`.

Uses bulk inserts in batches; the database comes from CRM_DATABASE_URL (SQLite by default).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from datetime import UTC, date, datetime, timedelta

from config import Settings
from models import Brand, Customer, CustomerExternalId, CustomerNote, CustomerTag
from models.db import close_db, init_db, run_migrations
from services import brands

CITIES = ["Shanghai", "Beijing", "Shenzhen", "Guangzhou", "Chengdu", "Hangzhou", "Wuhan"]
TAGS = ["vip", "coffee", "tea", "student", "office", "weekend", "delivery", "new"]
CHANNELS = ["APP", "MINI_PROGRAM", "STORE", "WEB", "PARTNER"]
BATCH = 2000


async def seed_customers(brand: Brand, count: int, rng: random.Random) -> None:
    start = datetime.now(UTC) - timedelta(days=730)
    for offset in range(0, count, BATCH):
        size = min(BATCH, count - offset)
        rows = [
            Customer(
                brand_id=brand.id,
                name=f"Customer {offset + i:07d}",
                phone=f"+86139{offset + i:08d}",
                email=f"c{offset + i}@example.com",
                gender=rng.choice(["FEMALE", "MALE", "UNKNOWN"]),
                birthday=date(1970 + rng.randrange(35), rng.randrange(1, 13), rng.randrange(1, 28)),
                city=rng.choice(CITIES),
                acquisition_channel=rng.choice(CHANNELS),
                marketing_consent=rng.random() < 0.6,
                created_at=start + timedelta(minutes=rng.randrange(730 * 24 * 60)),
            )
            for i in range(size)
        ]
        await Customer.bulk_create(rows)
        created = await Customer.filter(brand_id=brand.id).order_by("-id").limit(size)
        tags, ids, notes = [], [], []
        for customer in created:
            for tag in rng.sample(TAGS, rng.randrange(0, 3)):
                tags.append(CustomerTag(brand_id=brand.id, customer_id=customer.id, tag=tag))
            ids.append(
                CustomerExternalId(
                    brand_id=brand.id,
                    customer_id=customer.id,
                    system="pos",
                    external_id=f"P{customer.id}",
                )
            )
            for n in range(rng.randrange(0, 4)):
                notes.append(
                    CustomerNote(
                        brand_id=brand.id, customer_id=customer.id, body=f"note {n}", author="seed"
                    )
                )
        await CustomerTag.bulk_create(tags)
        await CustomerExternalId.bulk_create(ids)
        await CustomerNote.bulk_create(notes)


async def seed(database_url: str, slug: str, customers: int, seed_value: int = 7) -> Brand:
    await run_migrations(database_url)
    await init_db(database_url)
    try:
        brand = await Brand.get_or_none(slug=slug)
        if brand is not None:
            await brand.delete()
        brand = await brands.create_brand(slug, f"Bench {slug}")
        began = time.perf_counter()
        await seed_customers(brand, customers, random.Random(seed_value))
        print(f"seeded {customers} customers in {time.perf_counter() - began:.1f} s")
        return brand
    finally:
        await close_db()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--brand", default="bench")
    args = parser.parse_args()
    asyncio.run(seed(Settings.from_env().database_url, args.brand, args.customers))


if __name__ == "__main__":
    main()
