"""NPS arithmetic and the report: promoters 9-10, passives 7-8, detractors 0-6.

score = %promoters - %detractors over the responses that answered the NPS question; a
response that skipped it (an optional NPS question) counts in `responses` but not in the
denominator. Grouping by TIER uses each customer's current tier ("NONE" without one);
grouping by STORE uses the store's code ("UNKNOWN" without a store).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from models import Membership, Tier
from models.surveys import SurveyResponse
from services.stores.refs import codes_of

GROUPINGS = ("MONTH", "CHANNEL", "STORE", "TIER")


class UnsupportedGrouping(ValueError):
    pass


@dataclass(frozen=True)
class NpsSummary:
    responses: int
    answered: int
    promoters: int
    passives: int
    detractors: int

    @property
    def score(self) -> float | None:
        if not self.answered:
            return None
        return round(100 * (self.promoters - self.detractors) / self.answered, 1)


def classify(score: int) -> str:
    if score >= 9:
        return "PROMOTER"
    return "PASSIVE" if score >= 7 else "DETRACTOR"


def summarize(scores: Iterable[int | None]) -> NpsSummary:
    counts = {"PROMOTER": 0, "PASSIVE": 0, "DETRACTOR": 0}
    responses = 0
    for score in scores:
        responses += 1
        if score is not None:
            counts[classify(score)] += 1
    answered = sum(counts.values())
    return NpsSummary(
        responses, answered, counts["PROMOTER"], counts["PASSIVE"], counts["DETRACTOR"]
    )


@dataclass(frozen=True)
class NpsGroup:
    key: str
    summary: NpsSummary


@dataclass(frozen=True)
class NpsReport:
    overall: NpsSummary
    groups: list[NpsGroup]


NO_TIER = "NONE"


async def tier_names(brand_id: int, customer_ids: set[int]) -> dict[int, str]:
    """Each customer's current tier name (two queries, whatever the number of customers)."""
    if not customer_ids:
        return {}
    members = await Membership.filter(
        brand_id=brand_id, customer_id__in=sorted(customer_ids), tier_id__isnull=False
    ).values("customer_id", "tier_id")
    tier_ids = sorted({int(m["tier_id"]) for m in members})
    names = dict(await Tier.filter(brand_id=brand_id, id__in=tier_ids).values_list("id", "name"))
    return {int(m["customer_id"]): str(names.get(m["tier_id"], NO_TIER)) for m in members}


def _key(group_by: str | None, row: dict[str, object], tz: ZoneInfo) -> str:
    if group_by == "MONTH":
        submitted = row["submitted_at"]
        assert isinstance(submitted, datetime)
        return submitted.astimezone(tz).strftime("%Y-%m")
    if group_by == "CHANNEL":
        return str(row["channel"])
    if group_by == "STORE":
        return str(row["store"] or "UNKNOWN")
    if group_by == "TIER":
        return str(row["tier"])
    return "ALL"


async def report(
    brand_id: int,
    survey_id: int,
    frm: datetime | None,
    to: datetime | None,
    group_by: str | None,
    tz: ZoneInfo,
) -> NpsReport:
    query = SurveyResponse.filter(brand_id=brand_id, survey_id=survey_id)
    if frm is not None:
        query = query.filter(submitted_at__gte=frm)
    if to is not None:
        query = query.filter(submitted_at__lt=to)
    rows = await query.order_by("submitted_at").values(
        "nps_score", "submitted_at", "channel", "store_id", "customer_id"
    )
    if group_by == "STORE":  # keyed by the store's code
        ids = sorted({int(r["store_id"]) for r in rows if r["store_id"] is not None})
        codes = await codes_of(brand_id, ids)
        for row in rows:
            row["store"] = codes.get(row["store_id"]) if row["store_id"] is not None else None
    if group_by == "TIER":
        tiers = await tier_names(brand_id, {int(r["customer_id"]) for r in rows})
        for row in rows:
            row["tier"] = tiers.get(int(row["customer_id"]), NO_TIER)
    grouped: dict[str, list[int | None]] = {}
    for row in rows:
        grouped.setdefault(_key(group_by, row, tz), []).append(row["nps_score"])
    groups = [NpsGroup(key, summarize(scores)) for key, scores in sorted(grouped.items())]
    overall = summarize(row["nps_score"] for row in rows)
    return NpsReport(overall, groups if group_by else [])
