"""Rebuilding the basket caches of a brand (part of `crm analytics refresh`), set-based.

A basket is a purchase with items; a product is a SKU of the brand (`analytics_products`,
upserted from purchase items, so its id stays stable). Per month of the brand's calendar the
job counts baskets, baskets holding each product and baskets holding each pair of products;
association rules, `boughtTogether` and recommendations read these counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tortoise.transactions import in_transaction

from services.analytics.periods import Interval, key_sql, local_day_sql
from services.common import sql

TEMP = "analytics_basket_scratch"


@dataclass(frozen=True)
class BasketCounts:
    products: int
    baskets: int
    pairs: int


async def _upsert_products(brand_id: int) -> None:
    await sql.execute(
        "INSERT INTO analytics_products (brand_id, sku, name, category)"
        " SELECT brand_id, sku, MAX(name), MAX(category) FROM purchase_items WHERE brand_id = ?"
        " GROUP BY brand_id, sku ON CONFLICT (brand_id, sku) DO UPDATE"
        " SET name = excluded.name, category = excluded.category",
        [brand_id],
    )


async def _fill_scratch(brand_id: int, zone: ZoneInfo) -> None:
    """One row per (purchase, product, month) of the brand, in a temporary table."""
    span = await sql.fetch(
        "SELECT MIN(occurred_at) AS lo, MAX(occurred_at) AS hi FROM purchases WHERE brand_id = ?",
        [brand_id],
    )
    postgres = sql.is_postgres()
    lo, hi = span[0]["lo"], span[0]["hi"]
    if isinstance(lo, str):  # SQLite returns the stored text
        lo, hi = datetime.fromisoformat(lo), datetime.fromisoformat(hi)
    if lo is None:
        day = "0"
    else:
        day = local_day_sql("p.occurred_at", zone, lo, hi + timedelta(seconds=1), postgres)
    month = key_sql(day, Interval.MONTH, postgres)
    await sql.execute(
        f"CREATE TEMPORARY TABLE {TEMP} AS SELECT DISTINCT i.purchase_id AS basket,"
        f" pr.id AS product, {month} AS month"
        " FROM purchase_items i JOIN purchases p ON p.id = i.purchase_id"
        " JOIN analytics_products pr ON pr.brand_id = i.brand_id AND pr.sku = i.sku"
        " WHERE i.brand_id = ? AND p.brand_id = ?",
        [brand_id, brand_id],
    )
    if postgres:
        await sql.execute(f"ANALYZE {TEMP}")  # autovacuum never analyses temporary tables


async def rebuild(brand_id: int, zone: ZoneInfo) -> BasketCounts:
    """Replace the brand's basket, product and pair counts; readers see old or new ones."""
    await _upsert_products(brand_id)
    async with in_transaction():  # the scratch table goes with a rollback too
        await _fill_scratch(brand_id, zone)
        for table in ("analytics_basket_months", "analytics_item_months", "analytics_item_pairs"):
            await sql.execute(f"DELETE FROM {table} WHERE brand_id = ?", [brand_id])
        await sql.execute(
            "INSERT INTO analytics_basket_months (brand_id, month, baskets)"
            f" SELECT ?, month, COUNT(DISTINCT basket) FROM {TEMP} GROUP BY month",
            [brand_id],
        )
        await sql.execute(
            "INSERT INTO analytics_item_months (brand_id, month, product_id, baskets)"
            f" SELECT ?, month, product, COUNT(*) FROM {TEMP} GROUP BY month, product",
            [brand_id],
        )
        pairs = await sql.execute(
            "INSERT INTO analytics_item_pairs (brand_id, month, product_a, product_b, baskets)"
            f" SELECT ?, a.month, a.product, b.product, COUNT(*) FROM {TEMP} a"
            f" JOIN {TEMP} b ON b.basket = a.basket AND b.product > a.product"
            " GROUP BY a.month, a.product, b.product",
            [brand_id],
        )
        await sql.execute(f"DROP TABLE {TEMP}")
    products = await sql.fetch(
        "SELECT COUNT(*) AS n FROM analytics_products WHERE brand_id = ?", [brand_id]
    )
    baskets = await sql.fetch(
        "SELECT SUM(baskets) AS n FROM analytics_basket_months WHERE brand_id = ?", [brand_id]
    )
    return BasketCounts(int(products[0]["n"]), int(baskets[0]["n"] or 0), pairs)
