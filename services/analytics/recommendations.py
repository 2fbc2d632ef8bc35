"""Products for a customer: item-to-item co-occurrence over other customers' baskets.

For each product C the customer has not bought: score(C) = sum over the products O they have
bought of confidence(O -> C) x (1 + ln(times they bought O)), plus 0.01 x C's share of all
baskets, so that a customer without history (or products nobody pairs) still gets the most
popular ones, ranked below any co-bought product. The reason names the strongest O. Counts are
the refresh's (analytics_item_pairs); what the customer bought is read live.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from models.analytics_cache import Product
from services.analytics.periods import ReportInputError
from services.common import sql

MAX_RECOMMENDATIONS = 50
POPULARITY_WEIGHT = 0.01


@dataclass(frozen=True)
class Recommendation:
    product: Product
    score: float
    reason: str


async def _bought(brand_id: int, customer_id: int) -> dict[int, int]:
    """product id -> purchases of it by the customer."""
    rows = await sql.fetch(
        "SELECT pr.id AS product, COUNT(DISTINCT p.id) AS n FROM purchases p"
        " JOIN purchase_items i ON i.purchase_id = p.id"
        " JOIN analytics_products pr ON pr.brand_id = p.brand_id AND pr.sku = i.sku"
        " WHERE p.brand_id = ? AND p.customer_id = ? GROUP BY pr.id",
        [brand_id, customer_id],
    )
    return {int(r["product"]): int(r["n"]) for r in rows}


async def bought_skus(brand_id: int, customer_id: int) -> set[str]:
    rows = await sql.fetch(
        "SELECT DISTINCT i.sku FROM purchases p JOIN purchase_items i ON i.purchase_id = p.id"
        " WHERE p.brand_id = ? AND p.customer_id = ?",
        [brand_id, customer_id],
    )
    return {str(r["sku"]) for r in rows}


async def _basket_counts(brand_id: int) -> tuple[int, dict[int, int]]:
    total = await sql.fetch(
        "SELECT SUM(baskets) AS n FROM analytics_basket_months WHERE brand_id = ?", [brand_id]
    )
    items = await sql.fetch(
        "SELECT product_id, SUM(baskets) AS n FROM analytics_item_months WHERE brand_id = ?"
        " GROUP BY product_id",
        [brand_id],
    )
    return int(total[0]["n"] or 0), {int(r["product_id"]): int(r["n"]) for r in items}


async def _pairs(brand_id: int, owned: list[int]) -> list[tuple[int, int, int]]:
    if not owned:
        return []
    marks = ", ".join("?" for _ in owned)
    rows = await sql.fetch(
        "SELECT product_a, product_b, SUM(baskets) AS n FROM analytics_item_pairs"
        f" WHERE brand_id = ? AND (product_a IN ({marks}) OR product_b IN ({marks}))"
        " GROUP BY product_a, product_b",
        [brand_id, *owned, *owned],
    )
    return [(int(r["product_a"]), int(r["product_b"]), int(r["n"])) for r in rows]


async def recommend(brand_id: int, customer_id: int, first: int) -> list[Recommendation]:
    if not 0 <= first <= MAX_RECOMMENDATIONS:
        raise ReportInputError("first", "OUT_OF_RANGE", f"first is from 0 to {MAX_RECOMMENDATIONS}")
    bought = await _bought(brand_id, customer_id)
    baskets, holding = await _basket_counts(brand_id)
    if not baskets or not first:
        return []
    scores: dict[int, float] = {
        p: POPULARITY_WEIGHT * n / baskets for p, n in holding.items() if p not in bought
    }
    best: dict[int, tuple[float, int]] = {}  # candidate -> (strongest confidence, from product)
    for a, b, both in await _pairs(brand_id, list(bought)):
        for source, target in ((a, b), (b, a)):
            if source in bought and target not in bought and holding.get(source):
                confidence = both / holding[source]
                scores[target] = scores.get(target, 0.0) + confidence * (
                    1 + math.log(bought[source])
                )
                if confidence > best.get(target, (0.0, 0))[0]:
                    best[target] = (confidence, source)
    ranked = sorted(scores, key=lambda p: (-scores[p], p))[:first]
    names = {
        p.id: p
        for p in await Product.filter(
            brand_id=brand_id, id__in=list(set(ranked) | {s for _, s in best.values()})
        )
    }
    out = []
    for pid in ranked:
        if pid not in names:
            continue
        if pid in best and best[pid][1] in names:
            confidence, source = best[pid]
            reason = f"bought with {names[source].name} in {confidence:.0%} of baskets holding it"
        else:
            reason = f"popular: in {holding.get(pid, 0) / baskets:.0%} of baskets"
        out.append(Recommendation(names[pid], round(scores[pid], 4), reason))
    return out
