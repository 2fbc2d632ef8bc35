"""Rebuilding the basket caches of a brand (part of `crm analytics refresh`), set-based.

A basket is a purchase with items; a product is a SKU of the brand (`analytics_products`,
upserted from purchase items, so its id stays stable). Per month of the brand's calendar the
job counts baskets, baskets holding each product and baskets holding each pair of products;
association rules, `boughtTogether` and recommendations read these counts. The same pass
writes the CATEGORY rows of `analytics_sales_days` (services/analytics/rollups.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from tortoise.transactions import in_transaction

from services.analytics.periods import Interval, key_sql
from services.analytics.rollups import local_day, roomy, span
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
    if sql.is_postgres():  # new products: without fresh statistics the join below goes astray
        await sql.execute("ANALYZE analytics_products")


async def _fill_scratch(brand_id: int, zone: ZoneInfo) -> None:
    """One row per (purchase, product) of the brand, with its day, month, category and
    revenue in cents, in a temporary table."""
    postgres = sql.is_postgres()
    day = local_day("occurred_at", zone, await span("purchases", "occurred_at", brand_id))
    purchase_days = f"SELECT id, {day} AS day FROM purchases WHERE brand_id = ?"  # once each
    await sql.execute(
        f"CREATE TEMPORARY TABLE {TEMP} AS SELECT basket, product, day,"
        f" {key_sql('day', Interval.MONTH, postgres)} AS month, category, cents FROM ("
        "SELECT i.purchase_id AS basket, pr.id AS product, p.day,"
        " MAX(i.category) AS category,"
        # exact: unit prices have two decimals; integers sum faster than decimals
        " CAST(ROUND(SUM(i.quantity * i.unit_price) * 100) AS BIGINT) AS cents"
        f" FROM purchase_items i JOIN ({purchase_days}) p ON p.id = i.purchase_id"
        " JOIN analytics_products pr ON pr.brand_id = i.brand_id AND pr.sku = i.sku"
        " WHERE i.brand_id = ? GROUP BY 1, 2, 3) lines",
        [brand_id, brand_id],
    )
    if postgres:
        await sql.execute(f"ANALYZE {TEMP}")  # autovacuum never analyses temporary tables


async def rebuild(brand_id: int, zone: ZoneInfo) -> BasketCounts:
    """Replace the brand's basket, product and pair counts; readers see old or new ones."""
    await _upsert_products(brand_id)
    async with in_transaction():  # the scratch table goes with a rollback too
        await roomy()
        await _fill_scratch(brand_id, zone)
        for table in ("analytics_basket_months", "analytics_item_months", "analytics_item_pairs"):
            await sql.execute(f"DELETE FROM {table} WHERE brand_id = ?", [brand_id])
        await sql.execute(
            "INSERT INTO analytics_basket_months (brand_id, month, baskets)"
            " SELECT ?, month, COUNT(*) FROM"
            f" (SELECT month, basket FROM {TEMP} GROUP BY month, basket) b GROUP BY month",
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
        await sql.execute(
            "DELETE FROM analytics_sales_days WHERE brand_id = ? AND dimension = 'CATEGORY'",
            [brand_id],
        )
        await sql.execute(  # purchases: baskets holding the category; revenue: its lines
            "INSERT INTO analytics_sales_days"
            " (brand_id, dimension, key, day, purchases, revenue_cents)"
            " SELECT ?, 'CATEGORY', category, day, COUNT(*), SUM(cents) FROM (SELECT category,"
            f" day, basket, SUM(cents) AS cents FROM {TEMP} GROUP BY category, day, basket) b"
            " GROUP BY category, day",
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
