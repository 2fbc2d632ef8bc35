"""Loyalty types: tiers, memberships, the points ledger, purchases, RFM."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from enum import Enum
from functools import partial
from operator import attrgetter
from typing import TYPE_CHECKING, cast

import strawberry

from auth.context import Context, Info
from engine.batch_resolvers import batch_field
from engine.row_sources import global_ids, local_times, rows_of
from resolvers.ids import to_global_id
from resolvers.loyalty import loaders, queries
from resolvers.loyalty.loaders import LedgerRow
from resolvers.loyalty.queries import LEDGER_ORDER
from schema.common import Edge, Node, PageInfo, edges, first_rows_connection, local_time
from schema.offers.fields import PurchaseOfferFields
from schema.stores.fields import StoreFields
from services.common.pagination import Page

if TYPE_CHECKING:
    from models import Customer as CustomerModel
    from models import CustomerStats, Membership, PointsTransaction, Purchase, PurchaseItem, Tier
    from models import TierChange as TierChangeModel
else:
    # strawberry evaluates the Private annotations: at run time the model is any object
    CustomerModel = object
    CustomerStats = object
    Membership = object
    PointsTransaction = object
    Purchase = object
    PurchaseItem = object
    Tier = object
    TierChangeModel = object


@strawberry.enum
class PointsKind(Enum):
    EARN = "EARN"
    REDEEM = "REDEEM"
    EXPIRE = "EXPIRE"
    ADJUST = "ADJUST"
    REVERSE = "REVERSE"
    RELEASE = "RELEASE"


POINTS_KINDS = {kind.value: kind for kind in PointsKind}


@strawberry.enum
class LifecycleStage(Enum):
    PROSPECT = "PROSPECT"
    NEW = "NEW"
    ACTIVE = "ACTIVE"
    AT_RISK = "AT_RISK"
    CHURNED = "CHURNED"


@strawberry.enum
class ValueTier(Enum):
    HIGH_VALUE = "HIGH_VALUE"
    POTENTIAL = "POTENTIAL"
    ORDINARY = "ORDINARY"
    LOW_VALUE = "LOW_VALUE"


@strawberry.type(description="What a tier gives its members.")
class TierBenefits:
    discount_percent: Decimal
    points_multiplier: Decimal
    birthday_bonus_points: int
    priority_booking: bool
    free_services: str


@strawberry.type(description="How a tier is reached: every part given must hold (AND).")
class TierRule:
    min_lifetime_spend: Decimal | None
    window_days: int | None
    window_spend: Decimal | None
    consecutive_months: int | None
    monthly_min: Decimal | None
    min_lifetime_points: int | None


@strawberry.type(name="Tier")
class TierType(Node):
    name: str
    rank: int
    benefits: TierBenefits
    rule: TierRule

    @classmethod
    def from_model(cls, t: Tier) -> TierType:
        return cls(
            id=strawberry.ID(to_global_id("Tier", t.id)),
            name=t.name,
            rank=t.rank,
            benefits=TierBenefits(
                discount_percent=t.discount_percent,
                points_multiplier=t.points_multiplier,
                birthday_bonus_points=t.birthday_bonus_points,
                priority_booking=t.priority_booking,
                free_services=t.free_services,
            ),
            rule=TierRule(
                min_lifetime_spend=t.min_lifetime_spend,
                window_days=t.window_days,
                window_spend=t.window_spend,
                consecutive_months=t.consecutive_months,
                monthly_min=t.monthly_min,
                min_lifetime_points=t.min_lifetime_points,
            ),
        )


@strawberry.type(description="What is left to reach the next tier (null nextTier: at the top).")
class TierProgress:
    next_tier: TierType | None
    missing_spend: Decimal
    missing_months: int


@strawberry.type
class TierChange(Node):
    from_tier: str | None
    to_tier: str | None
    reason: str
    created: strawberry.Private[datetime]

    @strawberry.field
    def changed_at(self, info: Info) -> datetime:
        return local_time(info, self.created)

    @classmethod
    def from_model(cls, row: TierChangeModel) -> TierChange:
        return cls(
            id=strawberry.ID(to_global_id("TierChange", row.id)),
            from_tier=row.from_tier,
            to_tier=row.to_tier,
            reason=row.reason,
            created=row.created_at,
        )


async def tiers_of_each(parents: Sequence[MembershipType], info: Info) -> list[TierType | None]:
    keys = [(parent.model.brand_id, parent.model.tier_id) for parent in parents]
    found = await loaders.tiers(info.context, keys)
    shown: dict[int, TierType] = {}  # a page shares a few tiers: one object each
    for tier in found:
        if tier is not None and id(tier) not in shown:
            shown[id(tier)] = TierType.from_model(tier)
    return [shown[id(t)] if t else None for t in found]


@strawberry.type(name="Membership")
class MembershipType(Node):
    member_number: str
    status: str
    model: strawberry.Private[Membership]

    @classmethod
    def from_model(cls, m: Membership) -> MembershipType:
        return cls(
            id=strawberry.ID(to_global_id("Membership", m.id)),
            member_number=m.member_number,
            status=m.status,
            model=m,
        )

    tier = batch_field(tiers_of_each, TierType | None)

    @strawberry.field
    def tier_since(self, info: Info) -> datetime:
        return local_time(info, self.model.tier_since)

    @strawberry.field
    def next_review_at(self, info: Info) -> datetime | None:
        at = self.model.next_review_at
        return local_time(info, at) if at else None

    @strawberry.field(description="A manual tier set by staff holds as a floor until then.")
    async def manual_tier(self, info: Info) -> TierType | None:
        found = await loaders.tier(info.context, self.model.brand_id, self.model.manual_tier_id)
        return TierType.from_model(found) if found else None

    @strawberry.field
    async def tier_progress(self, info: Info) -> TierProgress:
        p = await queries.tier_progress(info.context, self.model)
        nxt = TierType.from_model(p.next_tier) if p.next_tier else None
        return TierProgress(
            next_tier=nxt, missing_spend=p.missing_spend, missing_months=p.missing_months
        )

    @strawberry.field(description="Every tier change, newest first.")
    async def tier_history(self, info: Info) -> list[TierChange]:
        rows = await loaders.tier_history(info.context, self.model)
        return [TierChange.from_model(r) for r in rows]


@strawberry.type(description="Points balance: available = sum of the ledger.")
class PointsBalance:
    available: int
    pending: int
    lifetime_earned: int
    redeemed: int
    expired: int

    @classmethod
    def of(cls, m: Membership | None) -> PointsBalance:
        if m is None:
            return cls(available=0, pending=0, lifetime_earned=0, redeemed=0, expired=0)
        return cls(
            available=m.available,
            pending=m.pending,
            lifetime_earned=m.lifetime_earned,
            redeemed=m.redeemed,
            expired=m.expired,
        )


@strawberry.type(name="PointsTransaction")
class PointsTransactionType(Node):
    kind: PointsKind
    amount: int
    balance_after: int
    reason: str
    source: str
    actor: str
    idempotency_key: str | None
    created_at: datetime
    expires_at: datetime | None = strawberry.field(
        description="For earned lots: when what is left of them expires."
    )
    pending_until: datetime | None = strawberry.field(
        description="Pending earned points: when they are released."
    )

    @classmethod
    def from_model(
        cls, t: PointsTransaction | LedgerRow, context: Context
    ) -> PointsTransactionType:
        return cast(PointsTransactionType, LEDGER_ENTRY.build(t, context))


_kinds = attrgetter("kind")

# Plain fields only, so a page of the ledger is read straight from its rows (engine/batched).
LEDGER_ENTRY = rows_of(
    PointsTransactionType,
    LedgerRow,
    id=global_ids("PointsTransaction"),
    kind=lambda rows, _context: list(map(POINTS_KINDS.__getitem__, map(_kinds, rows))),
    created_at=local_times("created_at"),
    expires_at=local_times("expires_at"),
    pending_until=local_times("pending_until"),
)


@strawberry.type
class PurchaseItemType(Node):
    sku: str
    name: str
    category: str | None
    quantity: int
    unit_price: Decimal

    @classmethod
    def from_model(cls, i: PurchaseItem) -> PurchaseItemType:
        return cls(
            id=strawberry.ID(to_global_id("PurchaseItemType", i.id)),
            sku=i.sku,
            name=i.name,
            category=i.category,
            quantity=i.quantity,
            unit_price=i.unit_price,
        )


@strawberry.type(name="Purchase")
class PurchaseType(Node, PurchaseOfferFields, StoreFields):
    amount: Decimal
    refunded_amount: Decimal
    points_earned: int
    points_reversed: int
    store_id: strawberry.ID | None = strawberry.field(
        description="The Store's id (a free-text store given when recording is a store code)."
    )
    channel: str | None
    external_id: str | None
    model: strawberry.Private[Purchase]

    @classmethod
    def from_model(cls, p: Purchase) -> PurchaseType:
        return cls(
            id=strawberry.ID(to_global_id("Purchase", p.id)),
            amount=p.amount,
            refunded_amount=p.refunded_amount,
            points_earned=p.points_earned,
            points_reversed=p.points_reversed,
            store_id=strawberry.ID(to_global_id("Store", p.store_id)) if p.store_id else None,
            channel=p.channel,
            external_id=p.external_id,
            model=p,
        )

    @strawberry.field
    def occurred_at(self, info: Info) -> datetime:
        return local_time(info, self.model.occurred_at)

    @strawberry.field
    async def items(self, info: Info) -> list[PurchaseItemType]:
        rows = await loaders.purchase_items(info.context, self.model.brand_id, self.model.id)
        return [PurchaseItemType.from_model(r) for r in rows]


@strawberry.type
class PointsTransactionConnection:
    edges: list[Edge[PointsTransactionType]]
    page_info: PageInfo

    @classmethod
    def from_page(
        cls, page: Page[PointsTransaction | LedgerRow], context: Context
    ) -> PointsTransactionConnection:
        return cls(
            edges=edges(page, partial(PointsTransactionType.from_model, context=context)),
            page_info=PageInfo.from_page(page),
        )


LEDGER_PAGE = first_rows_connection(PointsTransactionConnection, LEDGER_ENTRY, LEDGER_ORDER)


@strawberry.type
class PurchaseConnection:
    edges: list[Edge[PurchaseType]]
    page_info: PageInfo

    @classmethod
    def from_page(cls, page: Page[Purchase]) -> PurchaseConnection:
        return cls(
            edges=edges(page, PurchaseType.from_model),
            page_info=PageInfo.from_page(page),
        )


@strawberry.type(description="Recency (days since last purchase), frequency, monetary, 3-15 score.")
class Rfm:
    recency_days: int | None
    frequency: int
    monetary: Decimal
    score: int | None


@strawberry.input
class PointsTransactionFilter:
    kind: PointsKind | None = None
    from_: datetime | None = strawberry.field(default=None, name="from")
    to: datetime | None = None

    def to_spec(self) -> queries.TransactionFilter:
        return queries.TransactionFilter(
            self.kind.value if self.kind else None, self.from_, self.to
        )


async def points_of(info: Info, customer: CustomerModel) -> PointsBalance:
    return PointsBalance.of(await loaders.membership(info.context, customer))


async def stats_of(info: Info, customer: CustomerModel) -> CustomerStats | None:
    return await loaders.stats(info.context, customer)


def rfm_of(stats: CustomerStats | None) -> Rfm | None:
    if stats is None:
        return None
    return Rfm(
        recency_days=stats.recency_days,
        frequency=stats.frequency,
        monetary=Decimal(stats.monetary_cents) / 100,
        score=stats.score,
    )
