"""Coupons in a data export; an erasure keeps them (discounts are accounting, no personal data)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from models.offers import Coupon, Offer
from services.privacy.registry import iso, paged, section


@section("coupons", description="Coupons issued, claimed and redeemed, with their offer.")
async def _coupons(brand_id: int, customer_id: int) -> AsyncIterator[list[dict[str, Any]]]:
    async def convert(rows: list[Coupon]) -> list[dict[str, Any]]:
        offers = {o.id: o for o in await Offer.filter(id__in=list({c.offer_id for c in rows}))}
        return [
            {
                "id": c.id,
                "code": c.code,
                "offer": offers[c.offer_id].title if c.offer_id in offers else None,
                "status": c.status,
                "source": c.source,
                "issuedAt": iso(c.issued_at),
                "expiresAt": iso(c.expires_at),
                "redeemedAt": iso(c.redeemed_at),
                "purchaseId": c.purchase_id,
                "discount": None if c.discount is None else str(c.discount),
            }
            for c in rows
        ]

    async for page in paged(Coupon.filter(brand_id=brand_id, customer_id=customer_id), convert):
        yield page
