"""Offer and coupon types."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import Enum
from functools import partial
from typing import TYPE_CHECKING, cast

import strawberry

from auth.context import Context, Info
from engine.row_sources import global_ids, local_times, rows_of, same_rows
from resolvers.ids import to_global_id
from resolvers.offers import loaders, queries
from resolvers.offers.loaders import CouponRow
from resolvers.offers.queries import COUPON_ORDER
from schema.common import Edge, Node, PageInfo, edges, first_rows_connection, local_time
from services.common.pagination import Page

if TYPE_CHECKING:
    from models.offers import Coupon, Offer
else:
    # strawberry evaluates the Private annotations: at run time the model is any object
    Coupon = object
    Offer = object


@strawberry.enum
class OfferKind(Enum):
    AMOUNT_OFF = "AMOUNT_OFF"
    PERCENT_OFF = "PERCENT_OFF"
    FREE_ITEM = "FREE_ITEM"
    GIFT = "GIFT"
    POINTS_MULTIPLIER = "POINTS_MULTIPLIER"


@strawberry.enum
class CouponStatus(Enum):
    ISSUED = "ISSUED"
    REDEEMED = "REDEEMED"
    EXPIRED = "EXPIRED"
    VOID = "VOID"


@strawberry.enum(description="Scheduled issuance (`crm offers run-schedules`).")
class OfferTrigger(Enum):
    BIRTHDAY = "BIRTHDAY"
    ENROLMENT = "ENROLMENT"
    TIER_UPGRADE = "TIER_UPGRADE"


@strawberry.type(description="Who may claim the offer: every condition given must hold.")
class OfferEligibility:
    tiers: list[str]
    segment_id: strawberry.ID | None
    lifecycle_stages: list[str]
    birthday_month: bool = strawberry.field(description="Only in the customer's birthday month.")
    new_members_only: bool


@strawberry.type(name="Offer")
class OfferType(Node):
    kind: OfferKind
    title: str
    description: str
    image_url: str | None
    coupon_days: int | None = strawberry.field(description="Coupons expire this long after issue.")
    amount: Decimal | None
    percent: Decimal | None
    item_sku: str | None
    item_value: Decimal | None
    multiplier: Decimal | None
    automatic: bool = strawberry.field(
        description="A POINTS_MULTIPLIER offer that applies to purchases without a coupon."
    )
    eligibility: OfferEligibility
    min_purchase: Decimal | None
    stores: list[str]
    channels: list[str]
    stock: int | None
    issued_count: int
    budget: Decimal | None
    spent: Decimal = strawberry.field(description="Discount value redeemed against the budget.")
    per_customer_limit: int
    points_cost: int | None = strawberry.field(description="Rewards catalogue: points to claim.")
    trigger: OfferTrigger | None
    trigger_tier: str | None
    active: bool
    model: strawberry.Private[Offer]

    @classmethod
    def from_model(cls, o: Offer) -> OfferType:
        segment = to_global_id("Segment", o.segment_id) if o.segment_id else None
        return cls(
            id=strawberry.ID(to_global_id("Offer", o.id)),
            kind=OfferKind(o.kind),
            title=o.title,
            description=o.description,
            image_url=o.image_url,
            coupon_days=o.coupon_days,
            amount=o.amount,
            percent=o.percent,
            item_sku=o.item_sku,
            item_value=o.item_value,
            multiplier=o.multiplier,
            automatic=o.automatic,
            eligibility=OfferEligibility(
                tiers=list(o.tiers or []),
                segment_id=strawberry.ID(segment) if segment else None,
                lifecycle_stages=list(o.lifecycle_stages or []),
                birthday_month=o.birthday_month,
                new_members_only=o.new_members_only,
            ),
            min_purchase=o.min_purchase,
            stores=list(o.stores or []),
            channels=list(o.channels or []),
            stock=o.stock,
            issued_count=o.issued_count,
            budget=o.budget,
            spent=o.spent,
            per_customer_limit=o.per_customer_limit,
            points_cost=o.points_cost,
            trigger=OfferTrigger(o.trigger) if o.trigger else None,
            trigger_tier=o.trigger_tier,
            active=o.active,
            model=o,
        )

    @strawberry.field
    def remaining_stock(self) -> int | None:
        o = self.model
        return None if o.stock is None else max(o.stock - o.issued_count, 0)

    @strawberry.field
    def starts_at(self, info: Info) -> datetime | None:
        return local_time(info, self.model.starts_at) if self.model.starts_at else None

    @strawberry.field
    def ends_at(self, info: Info) -> datetime | None:
        return local_time(info, self.model.ends_at) if self.model.ends_at else None

    @strawberry.field
    def created_at(self, info: Info) -> datetime:
        return local_time(info, self.model.created_at)


async def _coupon_offer(self: CouponType, info: Info) -> OfferType | None:
    found = await loaders.offer_by_id(info.context, self.model.brand_id, self.model.offer_id)
    return OfferType.from_model(found) if found else None


@strawberry.type(name="Coupon")
class CouponType(Node):
    code: str
    discount: Decimal | None = strawberry.field(description="Money taken off the purchase.")
    status: CouponStatus = strawberry.field(
        description="EXPIRED as soon as the expiry passes, before the nightly job."
    )
    offer: OfferType | None = strawberry.field(resolver=_coupon_offer)
    customer_id: strawberry.ID
    purchase_id: strawberry.ID | None
    issued_at: datetime
    expires_at: datetime | None
    redeemed_at: datetime | None
    model: strawberry.Private[Coupon]

    @classmethod
    def from_model(cls, c: Coupon, context: Context) -> CouponType:
        return cast(CouponType, COUPON.build(c, context))


STATUSES = {status.value: status for status in CouponStatus}


def _statuses(rows: list[Coupon], _context: Context) -> list[CouponStatus]:
    return [STATUSES[status] for status in queries.coupon_statuses(rows)]


# Plain fields only (but `offer`), so a page of coupons is read straight from its rows.
COUPON = rows_of(
    CouponType,
    CouponRow,
    id=global_ids("Coupon"),
    status=_statuses,
    customer_id=global_ids("Customer", "customer_id"),
    purchase_id=global_ids("Purchase", "purchase_id"),
    issued_at=local_times("issued_at"),
    expires_at=local_times("expires_at"),
    redeemed_at=local_times("redeemed_at"),
    model=same_rows,
)


@strawberry.type
class OfferConnection:
    edges: list[Edge[OfferType]]
    page_info: PageInfo

    @classmethod
    def from_page(cls, page: Page[Offer]) -> OfferConnection:
        return cls(
            edges=edges(page, OfferType.from_model),
            page_info=PageInfo.from_page(page),
        )


@strawberry.type
class CouponConnection:
    edges: list[Edge[CouponType]]
    page_info: PageInfo

    @classmethod
    def from_page(cls, page: Page[Coupon], context: Context) -> CouponConnection:
        return cls(
            edges=edges(page, partial(CouponType.from_model, context=context)),
            page_info=PageInfo.from_page(page),
        )


COUPON_PAGE = first_rows_connection(CouponConnection, COUPON, COUPON_ORDER)
