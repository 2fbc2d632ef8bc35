"""Reads of offers and coupons for the API: the request's DataLoaders (one statement per brand
and batch of ids) and the paginated lists."""

from __future__ import annotations

from datetime import datetime

from tortoise.expressions import Q

from models.offers import Coupon, Offer
from models.rows import db_value, fetch_in_brand
from services.common.pagination import Page, PageRequest, paginate
from services.common.recent import newest_per_group

CouponRow = Coupon  # what the coupon reads answer: the rows a page of coupons is read from
COUPON_ORDER = ("issued_at", True)  # a customer's coupons: newest issued first


async def offers_by_id(brand_id: int, offer_ids: list[int]) -> list[Offer]:
    return await Offer.filter(brand_id=brand_id, id__in=offer_ids)


async def offer_in_brand(brand_id: int, offer_id: int) -> Offer | None:
    return await Offer.get_or_none(brand_id=brand_id, id=offer_id)


async def existing_offer(brand_id: int, offer_id: int) -> Offer:
    return await Offer.get(brand_id=brand_id, id=offer_id)


async def redeemed_coupons_of(brand_id: int, purchase_ids: list[int]) -> list[Coupon]:
    query = Coupon.filter(brand_id=brand_id, purchase_id__in=purchase_ids, status="REDEEMED")
    return await query.order_by("id")


async def newest_coupons(brand_id: int, customer_ids: list[int], limit: int) -> list[Coupon]:
    """Each customer's `limit` newest issued coupons, newest first."""
    query = newest_per_group(
        Coupon, "customer_id", brand_id, customer_ids, limit, order_column="issued_at"
    )
    return await query.order_by("-issued_at", "-id")


async def usable_coupons(brand_id: int, customer_ids: list[int], now: datetime) -> list[Coupon]:
    """ISSUED and not yet expired at `now`, newest issued first."""
    return await fetch_in_brand(
        Coupon,
        brand_id,
        "customer_id",
        customer_ids,
        "status = ? AND (expires_at IS NULL OR expires_at > ?)",
        ["ISSUED", db_value(Coupon, "expires_at", now)],
        "issued_at DESC, id DESC",
    )


async def offer_page(
    brand_id: int, kind: str | None, active: bool | None, trigger: str | None, page: PageRequest
) -> Page[Offer]:
    """Newest first; raises PaginationError for a bad page request."""
    query = Offer.filter(brand_id=brand_id)
    if kind:
        query = query.filter(kind=kind)
    if active is not None:
        query = query.filter(active=active)
    if trigger:
        query = query.filter(trigger=trigger)
    return await paginate(query, "created_at", True, page, is_datetime=True)


async def coupon_page(
    brand_id: int, customer_id: int, status: str | None, now: datetime, page: PageRequest
) -> Page[Coupon]:
    """A customer's coupons in `status` (an ISSUED coupon past its expiry at `now` reads as
    EXPIRED); raises PaginationError for a bad page request."""
    query = Coupon.filter(brand_id=brand_id, customer_id=customer_id)
    if status == "EXPIRED":
        query = query.filter(Q(status="EXPIRED") | Q(status="ISSUED", expires_at__lte=now))
    elif status == "ISSUED":
        query = query.filter(Q(expires_at=None) | Q(expires_at__gt=now), status="ISSUED")
    elif status:
        query = query.filter(status=status)
    return await paginate(query, *COUPON_ORDER, page, is_datetime=True)
