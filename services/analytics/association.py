"""Association rules from the cached basket counts (services/analytics/baskets.py).

For products A and B over N baskets: support(A, B) = baskets with both / N, confidence(A -> B)
= baskets with both / baskets with A, lift = confidence(A -> B) / (baskets with B / N). A range
is counted in whole months of the brand's calendar (the cache is monthly), so it is widened to
the months it touches.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from models.analytics_cache import Product
from services.analytics.periods import DateRange, Interval, ReportInputError, bucket_key
from services.common import sql

MAX_RULES = 100
MAX_PRODUCTS = 100


@dataclass(frozen=True)
class Rule:
    antecedent: Product
    consequent: Product
    baskets: int  # holding both
    support: float
    confidence: float
    lift: float


@dataclass(frozen=True)
class Rules:
    baskets: int
    first_month: int
    last_month: int
    rules: list[Rule]


def check_thresholds(min_support: float, min_confidence: float, first: int) -> None:
    if not (0 < min_support <= 1) or math.isnan(min_support):
        raise ReportInputError("minSupport", "OUT_OF_RANGE", "minSupport is in (0, 1]")
    if not (0 <= min_confidence <= 1) or math.isnan(min_confidence):
        raise ReportInputError("minConfidence", "OUT_OF_RANGE", "minConfidence is in [0, 1]")
    if not 0 <= first <= MAX_RULES:
        raise ReportInputError("first", "OUT_OF_RANGE", f"first is from 0 to {MAX_RULES}")


def month_span(found: DateRange) -> tuple[int, int]:
    return bucket_key(found.first_day, Interval.MONTH), bucket_key(found.last_day, Interval.MONTH)


async def _counts(
    brand_id: int, months: tuple[int, int], products: list[int] | None = None
) -> tuple[int, dict[int, int]]:
    """Baskets in the months, and baskets holding each product (or each of `products`)."""
    total = await sql.fetch(
        "SELECT SUM(baskets) AS n FROM analytics_basket_months"
        " WHERE brand_id = ? AND month BETWEEN ? AND ?",
        [brand_id, *months],
    )
    only, params = "", []
    if products is not None:
        only = f" AND product_id IN ({', '.join('?' for _ in products) or 'NULL'})"
        params = list(products)
    items = await sql.fetch(
        "SELECT product_id, SUM(baskets) AS n FROM analytics_item_months"
        f" WHERE brand_id = ? AND month BETWEEN ? AND ?{only} GROUP BY product_id",
        [brand_id, *months, *params],
    )
    return int(total[0]["n"] or 0), {int(r["product_id"]): int(r["n"]) for r in items}


async def _products(brand_id: int, ids: set[int]) -> dict[int, Product]:
    if not ids:
        return {}
    return {p.id: p for p in await Product.filter(brand_id=brand_id, id__in=list(ids))}


def _rule(a: Product, b: Product, both: int, n: int, count: dict[int, int]) -> Rule:
    confidence = both / count[a.id]
    return Rule(a, b, both, both / n, confidence, confidence / (count[b.id] / n))


async def association_rules(
    brand_id: int, found: DateRange, min_support: float, min_confidence: float, first: int
) -> Rules:
    """Rules A -> B meeting both thresholds, by lift, then confidence, then support."""
    check_thresholds(min_support, min_confidence, first)
    months = month_span(found)
    n, count = await _counts(brand_id, months)
    if not n or not first:
        return Rules(n, *months, [])
    pairs = await sql.fetch(
        "SELECT product_a, product_b, SUM(baskets) AS n FROM analytics_item_pairs"
        " WHERE brand_id = ? AND month BETWEEN ? AND ? GROUP BY product_a, product_b"
        " HAVING SUM(baskets) >= ?",
        [brand_id, *months, max(1, math.ceil(min_support * n - 1e-9))],
    )
    found_pairs = [(int(r["product_a"]), int(r["product_b"]), int(r["n"])) for r in pairs]
    products = await _products(brand_id, {p for a, b, _ in found_pairs for p in (a, b)})
    rules = []
    for a, b, both in found_pairs:
        for x, y in ((a, b), (b, a)):
            if x in products and y in products and both / count[x] >= min_confidence:
                rules.append(_rule(products[x], products[y], both, n, count))
    rules.sort(
        key=lambda r: (-r.lift, -r.confidence, -r.support, r.antecedent.sku, r.consequent.sku)
    )
    return Rules(n, *months, rules[:first])


async def bought_together(brand_id: int, product: Product, first: int) -> list[Rule]:
    """Rules product -> B over every month cached, most lift first."""
    if not 0 <= first <= MAX_PRODUCTS:
        raise ReportInputError("first", "OUT_OF_RANGE", f"first is from 0 to {MAX_PRODUCTS}")
    everything = (0, 10**6)
    pairs = await sql.fetch(
        "SELECT product_a, product_b, SUM(baskets) AS n FROM analytics_item_pairs"
        " WHERE brand_id = ? AND (product_a = ? OR product_b = ?) GROUP BY product_a, product_b",
        [brand_id, product.id, product.id],
    )
    others = {
        (int(r["product_b"]) if int(r["product_a"]) == product.id else int(r["product_a"])): int(
            r["n"]
        )
        for r in pairs
    }
    if not others or not first:
        return []
    n, count = await _counts(brand_id, everything, [product.id, *others])
    products = await _products(brand_id, set(others))
    rules = [
        _rule(product, products[other], both, n, count)
        for other, both in others.items()
        if other in products
    ]
    rules.sort(key=lambda r: (-r.lift, -r.confidence, r.consequent.sku))
    return rules[:first]
