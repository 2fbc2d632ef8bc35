"""Offer fields hung on other domains' types: `Customer`/`me` coupons, `Purchase` discounts."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, cast

import strawberry

from auth.context import Info
from engine.batch_resolvers import batch_field
from resolvers.errors import bad_input
from resolvers.first_rows import FirstRows
from resolvers.offers import queries
from schema.offers.types import (
    COUPON,
    COUPON_PAGE,
    CouponConnection,
    CouponStatus,
    CouponType,
    OfferConnection,
)
from services.common.pagination import Page, PageRequest

if TYPE_CHECKING:
    from models import Customer as CustomerModel
    from models import Purchase as PurchaseModel
    from models.offers import Coupon
else:
    # strawberry evaluates the Private annotations: at run time the model is any object
    CustomerModel = object
    PurchaseModel = object
    Coupon = object


def _page(first: int, after: str | None) -> PageRequest:
    if not 0 <= first <= 100:
        raise bad_input("first must be between 0 and 100")
    return PageRequest(first=first, after=after)


async def coupons_of_each(
    parents: Sequence[CustomerOfferFields],
    info: Info,
    first: int = 20,
    after: str | None = None,
    status: CouponStatus | None = None,
) -> list[CouponConnection] | list[FirstRows[Coupon]]:
    code = status.value if status else None
    customers = [parent.model for parent in parents]
    pages = await queries.coupons_of_each(info.context, customers, code, _page(first, after))
    if pages and isinstance(pages[0], FirstRows):
        return cast(list[FirstRows[Coupon]], pages)  # rows of COUPON_PAGE
    return [CouponConnection.from_page(cast(Page[Coupon], page), info.context) for page in pages]


@strawberry.type
class CustomerOfferFields:
    model: strawberry.Private[CustomerModel]

    coupons = batch_field(
        coupons_of_each,
        CouponConnection,
        rows=COUPON_PAGE,
        description="Coupons, newest first (staff need offers:read; a customer sees their own).",
    )

    @strawberry.field(description="Running offers this customer may claim now.")
    async def available_offers(
        self, info: Info, first: int = 20, after: str | None = None
    ) -> OfferConnection:
        page = await queries.available_offers(info.context, self.model, _page(first, after))
        return OfferConnection.from_page(page)


@strawberry.type
class PurchaseOfferFields:
    model: strawberry.Private[PurchaseModel]

    @strawberry.field(description="Coupons redeemed on this purchase.")
    async def coupons(self, info: Info) -> list[CouponType]:
        rows = await queries.purchase_coupons(info.context, self.model.brand_id, self.model.id)
        return cast(list[CouponType], COUPON.build_all(list(rows), info.context))

    @strawberry.field(description="Money taken off by the coupons redeemed on this purchase.")
    async def discount(self, info: Info) -> Decimal:
        rows = await queries.purchase_coupons(info.context, self.model.brand_id, self.model.id)
        return sum((r.discount or Decimal(0) for r in rows), Decimal(0))
