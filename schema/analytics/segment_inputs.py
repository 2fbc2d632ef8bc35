"""The analytics predicates of SegmentRuleInput (services/segments/analytics_rules.py)."""

from __future__ import annotations

import strawberry


@strawberry.input(description="Churn probability of the last refresh in [min, max] (0 to 1).")
class ChurnRiskCondition:
    min: float | None = None
    max: float | None = None


@strawberry.input(description="In one of these clusters of the last refresh.")
class ClusterCondition:
    in_: list[int] = strawberry.field(name="in")


@strawberry.input(
    description="How many tracked events of this name, over the last withinDays or ever, "
    "lie in [min, max]."
)
class TrackedEventsCondition:
    name: str
    min: int | None = None
    max: int | None = None
    within_days: int | None = None
