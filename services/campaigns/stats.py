"""`campaign { stats }`: reach, coupons, and the revenue uplift of the treated over the holdout.

Revenue per customer (RPC) of a group is its net spend (purchases minus refunds) during the
window, divided over every member of the group, buyers or not. The uplift is the difference
of the treated and holdout RPC; its 95% confidence interval uses Welch's standard error with
the normal quantile z = 1.96 (groups of campaigns are large enough for the normal
approximation; no t table, no scipy). See docs/offers.md, "Campaigns and uplift".
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from models.campaigns import Campaign
from services.common import sql

Z_95 = 1.96
CENT = Decimal("0.01")
TREATED = "TREATED"
HOLDOUT = "HOLDOUT"


def money(value: float | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class GroupRevenue:
    """Per-customer net revenue of one group as SQL aggregates: n, sum x, sum x^2."""

    customers: int
    total: float
    squares: float

    @property
    def mean(self) -> float | None:
        return self.total / self.customers if self.customers else None

    @property
    def variance(self) -> float | None:
        """Sample variance (n - 1); None below two customers."""
        n = self.customers
        if n < 2:
            return None
        return max((self.squares - self.total * self.total / n) / (n - 1), 0.0)

    @property
    def mean_variance(self) -> float | None:
        """Variance of the group mean, s^2 / n."""
        v = self.variance
        return None if v is None else v / self.customers


@dataclass(frozen=True)
class Uplift:
    absolute: Decimal | None  # treated RPC - holdout RPC
    percent: float | None  # absolute / holdout RPC, in percent
    confidence_low: Decimal | None  # 95% interval of `absolute`
    confidence_high: Decimal | None
    percent_low: float | None  # 95% interval of `percent` (delta method)
    percent_high: float | None
    significant: bool | None  # the interval of `absolute` excludes zero


def uplift(treated: GroupRevenue, holdout: GroupRevenue, z: float = Z_95) -> Uplift:
    m1, m0 = treated.mean, holdout.mean
    if m1 is None or m0 is None:
        return Uplift(None, None, None, None, None, None, None)
    diff = m1 - m0
    v1, v0 = treated.mean_variance, holdout.mean_variance
    low = high = p_low = p_high = None
    significant = None
    if v1 is not None and v0 is not None:
        se = math.sqrt(v1 + v0)  # Welch: the groups' variances are not pooled
        low, high = money(diff - z * se), money(diff + z * se)
        significant = bool(low > 0 or high < 0)
    percent = None
    if m0 > 0:
        percent = round(100 * diff / m0, 2)
        if v1 is not None and v0 is not None:
            # delta method for m1/m0 - 1: Var ~ v1/m0^2 + m1^2 v0/m0^4
            se_ratio = math.sqrt(v1 / m0**2 + m1 * m1 * v0 / m0**4)
            p_low = round(100 * (diff / m0 - z * se_ratio), 2)
            p_high = round(100 * (diff / m0 + z * se_ratio), 2)
    return Uplift(money(diff), percent, low, high, p_low, p_high, significant)


@dataclass(frozen=True)
class CampaignStats:
    window_start: datetime
    window_end: datetime
    targeted: int
    treated: int
    holdout: int
    issued: int
    redeemed: int
    redemption_rate: float | None  # percent of issued coupons redeemed
    participants: int  # treated members who redeemed at least one campaign coupon
    participation_rate: float | None  # percent of the treated
    treated_revenue: Decimal
    holdout_revenue: Decimal
    treated_revenue_per_customer: Decimal | None
    holdout_revenue_per_customer: Decimal | None
    treated_revenue_per_customer_before: Decimal | None  # same-length period before the window
    holdout_revenue_per_customer_before: Decimal | None
    uplift: Uplift
    incremental_revenue: Decimal | None  # uplift.absolute x treated
    discount_cost: Decimal
    points_spent: int
    return_on_cost: float | None  # incremental revenue / discount cost


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 2) if whole else None


def _rpc(group: GroupRevenue) -> Decimal | None:
    mean = group.mean
    return None if mean is None else money(mean)


Arms = dict[str, GroupRevenue]
NET = "(p.amount - p.refunded_amount)"


async def group_revenue(
    brand_id: int, campaign_id: int, start: datetime, end: datetime
) -> tuple[Arms, Arms]:
    """Per arm, during [start, end) and during the equally long period before: the members,
    and the sum and the sum of squares of each member's net spend.

    One statement over the purchases of both periods; members who bought nothing count as 0.
    """
    before = start - (end - start)
    rows = await sql.fetch(
        "SELECT m.arm AS arm, COUNT(*) AS n,"
        " SUM(COALESCE(r.during, 0)) AS total, SUM(COALESCE(r.during, 0) * COALESCE(r.during, 0))"
        " AS squares, SUM(COALESCE(r.pre, 0)) AS pre_total,"
        " SUM(COALESCE(r.pre, 0) * COALESCE(r.pre, 0)) AS pre_squares"
        " FROM campaign_members m LEFT JOIN ("
        "  SELECT p.customer_id,"
        f"  SUM(CASE WHEN p.occurred_at >= ? THEN {NET} ELSE 0 END) AS during,"
        f"  SUM(CASE WHEN p.occurred_at < ? THEN {NET} ELSE 0 END) AS pre"
        "  FROM purchases p JOIN campaign_members cm"
        "   ON cm.customer_id = p.customer_id AND cm.campaign_id = ?"
        "  WHERE p.brand_id = ? AND p.occurred_at >= ? AND p.occurred_at < ?"
        "  GROUP BY p.customer_id) r ON r.customer_id = m.customer_id"
        " WHERE m.campaign_id = ? AND m.brand_id = ? GROUP BY m.arm",
        [start, start, campaign_id, brand_id, before, end, campaign_id, brand_id],
    )
    empty = GroupRevenue(0, 0.0, 0.0)
    during: Arms = {TREATED: empty, HOLDOUT: empty}
    pre: Arms = {TREATED: empty, HOLDOUT: empty}
    for r in rows:
        n = int(r["n"])
        during[str(r["arm"])] = GroupRevenue(n, float(r["total"] or 0), float(r["squares"] or 0))
        pre[str(r["arm"])] = GroupRevenue(
            n, float(r["pre_total"] or 0), float(r["pre_squares"] or 0)
        )
    return during, pre


@dataclass(frozen=True)
class CouponCounts:
    issued: int
    redeemed: int
    participants: int
    discount_cost: Decimal


async def coupon_counts(brand_id: int, campaign_id: int) -> CouponCounts:
    """Coupons the campaign's launch issued (by their issuance), and what became of them."""
    rows = await sql.fetch(
        "SELECT COUNT(*) AS issued,"
        " COALESCE(SUM(CASE WHEN k.status = 'REDEEMED' THEN 1 ELSE 0 END), 0) AS redeemed,"
        " COUNT(DISTINCT CASE WHEN k.status = 'REDEEMED' THEN k.customer_id END) AS participants,"
        " COALESCE(SUM(CASE WHEN k.status = 'REDEEMED' THEN COALESCE(k.discount, 0)"
        " ELSE 0 END), 0) AS cost"
        " FROM coupons k JOIN campaign_offers o ON o.issue_id = k.issue_id"
        " WHERE o.campaign_id = ? AND o.brand_id = ? AND k.brand_id = ?",
        [campaign_id, brand_id, brand_id],
    )
    row = rows[0]
    return CouponCounts(
        int(row["issued"]), int(row["redeemed"]), int(row["participants"]), money(row["cost"])
    )


async def points_spent(brand_id: int, campaign_id: int, start: datetime, end: datetime) -> int:
    """Points the treated paid to claim the campaign's offers during the window (at each
    offer's points cost)."""
    rows = await sql.fetch(
        "SELECT COALESCE(SUM(f.points_cost), 0) AS points"
        " FROM coupons k JOIN offers f ON f.id = k.offer_id"
        " JOIN campaign_offers o ON o.offer_id = k.offer_id AND o.campaign_id = ?"
        " JOIN campaign_members m ON m.customer_id = k.customer_id AND m.campaign_id = ?"
        " WHERE k.brand_id = ? AND k.source = 'CLAIM' AND m.arm = 'TREATED'"
        " AND f.points_cost IS NOT NULL AND k.issued_at >= ? AND k.issued_at < ?",
        [campaign_id, campaign_id, brand_id, start, end],
    )
    return int(rows[0]["points"] or 0)


def assemble(
    campaign: Campaign,
    during: Arms,
    before: Arms,
    coupons: CouponCounts,
    points: int,
) -> CampaignStats:
    """Combine the aggregates into the stats (pure: unit-tested on a hand-computed example)."""
    treated, holdout = during[TREATED], during[HOLDOUT]
    lift = uplift(treated, holdout)
    incremental = None if lift.absolute is None else money(lift.absolute * treated.customers)
    cost = coupons.discount_cost
    ratio = None
    if incremental is not None and cost > 0:
        ratio = round(float(incremental / cost), 2)
    return CampaignStats(
        window_start=campaign.starts_at,
        window_end=campaign.ends_at,
        targeted=treated.customers + holdout.customers,
        treated=treated.customers,
        holdout=holdout.customers,
        issued=coupons.issued,
        redeemed=coupons.redeemed,
        redemption_rate=_percent(coupons.redeemed, coupons.issued),
        participants=coupons.participants,
        participation_rate=_percent(coupons.participants, treated.customers),
        treated_revenue=money(treated.total),
        holdout_revenue=money(holdout.total),
        treated_revenue_per_customer=_rpc(treated),
        holdout_revenue_per_customer=_rpc(holdout),
        treated_revenue_per_customer_before=_rpc(before[TREATED]),
        holdout_revenue_per_customer_before=_rpc(before[HOLDOUT]),
        uplift=lift,
        incremental_revenue=incremental,
        discount_cost=cost,
        points_spent=points,
        return_on_cost=ratio,
    )


async def campaign_stats(campaign: Campaign) -> CampaignStats:
    """Three aggregate statements, whatever the campaign's size."""
    b, c = campaign.brand_id, campaign.id
    start, end = campaign.starts_at, campaign.ends_at
    during, before = await group_revenue(b, c, start, end)
    return assemble(
        campaign, during, before, await coupon_counts(b, c), await points_spent(b, c, start, end)
    )
