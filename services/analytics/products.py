"""Products: the SKUs a brand sells, as the refresh derives them from purchase items."""

from __future__ import annotations

from tortoise.expressions import Q

from models.analytics_cache import Product
from services.analytics.periods import ReportInputError

MAX_PRODUCTS = 100
MAX_SEARCH = 200


async def products(brand_id: int, search: str | None, first: int) -> list[Product]:
    """By name; `search` matches the SKU, name or category (case-insensitive)."""
    if not 0 <= first <= MAX_PRODUCTS:
        raise ReportInputError("first", "OUT_OF_RANGE", f"first is from 0 to {MAX_PRODUCTS}")
    query = Product.filter(brand_id=brand_id)
    if search and search.strip():
        if len(search) > MAX_SEARCH:
            raise ReportInputError("search", "TOO_LONG", f"at most {MAX_SEARCH} characters")
        text = search.strip()
        query = query.filter(
            Q(name__icontains=text) | Q(sku__icontains=text) | Q(category__icontains=text)
        )
    return await query.order_by("name", "id").limit(first)


async def product(brand_id: int, pk: int) -> Product | None:
    return await Product.get_or_none(brand_id=brand_id, id=pk)


async def by_ids(brand_id: int, ids: list[int]) -> dict[int, Product]:
    return {p.id: p for p in await Product.filter(brand_id=brand_id, id__in=ids)}
