"""The segment rule as a recursive typed input, and the segment mutations' inputs."""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any

import strawberry

from schema.analytics.segment_inputs import (
    ChurnRiskCondition,
    ClusterCondition,
    TrackedEventsCondition,
)
from schema.attributes.inputs import AttributeCondition
from schema.common import camel
from schema.customers.types import Gender
from schema.loyalty.types import LifecycleStage, ValueTier


@strawberry.input(description="Members of any of these tiers, or of this tier and above.")
class TierCondition:
    in_: list[str] | None = strawberry.field(name="in", default=None)
    at_least: str | None = None


@strawberry.input
class LifecycleStageCondition:
    in_: list[LifecycleStage] = strawberry.field(name="in")


@strawberry.input
class ValueTierCondition:
    in_: list[ValueTier] = strawberry.field(name="in")


@strawberry.input(description="Case-insensitive exact match on any of the values.")
class TextCondition:
    in_: list[str] = strawberry.field(name="in")


@strawberry.input
class GenderCondition:
    in_: list[Gender] = strawberry.field(name="in")


@strawberry.input(description="Inclusive bounds; give min, max or both.")
class RangeCondition:
    min: int | None = None
    max: int | None = None


@strawberry.input(description="Customers having any (or all) of the tags.")
class TagsCondition:
    any: list[str] | None = None
    all: list[str] | None = None


@strawberry.input(description="Purchases not fully refunded, over the last withinDays or ever.")
class PurchaseCountCondition:
    min: int | None = None
    max: int | None = None
    within_days: int | None = None


@strawberry.input(description="Net spend (after refunds), over the last withinDays or ever.")
class SpendCondition:
    min: Decimal | None = None
    max: Decimal | None = None
    within_days: int | None = None


@strawberry.input
class BirthdayMonthCondition:
    in_: list[int] = strawberry.field(name="in", description="Months 1-12.")


@strawberry.input(description="Membership enrolment: from/to are UTC dates, inclusive.")
class EnrolledCondition:
    from_: date | None = strawberry.field(name="from", default=None)
    to: date | None = None
    within_days: int | None = None


@strawberry.input
class ConsentCondition:
    marketing: bool


@strawberry.input(description="Holds an issued, unexpired, unredeemed coupon of the offer.")
class HasCouponCondition:
    offer_id: strawberry.ID


@strawberry.input(
    description="One node of a segment rule: set exactly one field. and/or/not combine nodes; "
    "every other field is a predicate. See docs/offers.md, 'Segment rule grammar'."
)
class SegmentRuleInput:
    and_: list[SegmentRuleInput] | None = strawberry.field(name="and", default=None)
    or_: list[SegmentRuleInput] | None = strawberry.field(name="or", default=None)
    not_: SegmentRuleInput | None = strawberry.field(name="not", default=None)
    tier: TierCondition | None = None
    lifecycle_stage: LifecycleStageCondition | None = None
    value_tier: ValueTierCondition | None = None
    city: TextCondition | None = None
    region: TextCondition | None = None
    gender: GenderCondition | None = None
    age_band: RangeCondition | None = strawberry.field(
        default=None, description="Age in whole years; customers without a birthday never match."
    )
    tags: TagsCondition | None = None
    days_since_last_purchase: RangeCondition | None = strawberry.field(
        default=None, description="Customers who never bought count as infinitely long ago."
    )
    purchase_count: PurchaseCountCondition | None = None
    total_spend: SpendCondition | None = None
    birthday_month: BirthdayMonthCondition | None = None
    enrolled: EnrolledCondition | None = None
    consent: ConsentCondition | None = None
    has_coupon: HasCouponCondition | None = None
    churn_risk: ChurnRiskCondition | None = None
    cluster: ClusterCondition | None = None
    tracked_events: TrackedEventsCondition | None = None
    attribute: AttributeCondition | None = strawberry.field(
        default=None, description="A custom attribute: equals, in, min/max or isSet."
    )


def rule_json(value: Any) -> Any:
    """A typed rule input as the JSON the rule grammar reads (unset fields left out)."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return [rule_json(item) for item in value]
    if is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {}
        for f in fields(value):
            item = getattr(value, f.name)
            if item is not None and item is not strawberry.UNSET:
                out[camel(f.name.rstrip("_"))] = rule_json(item)
        return out
    return value


@strawberry.input
class CreateSegmentInput:
    name: str
    description: str = ""
    rule: SegmentRuleInput


@strawberry.input(description="Fields left out keep their value.")
class UpdateSegmentInput:
    id: strawberry.ID
    name: str | None = None
    description: str | None = None
    rule: SegmentRuleInput | None = None


@strawberry.input
class DeleteSegmentInput:
    id: strawberry.ID
