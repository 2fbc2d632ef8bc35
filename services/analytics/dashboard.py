"""Dashboard KPIs of a brand: each domain registers a provider computing its keys."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from tortoise.expressions import Q
from tortoise.functions import Count, Sum

from models import Brand, Customer, PointsTransaction, Purchase
from models.surveys import SurveyResponse
from models.tickets import Ticket
from services.surveys.nps import summarize

KPI_KEYS = (
    "new_members_today",
    "purchases_today",
    "revenue_today",
    "points_issued_today",
    "points_redeemed_today",
    "open_tickets",
    "sla_breaches_today",
    "nps_30_days",
)

# A provider gets (brand, start of today in UTC, now in UTC) and returns some of KPI_KEYS.
KpiProvider = Callable[[Brand, datetime, datetime], Awaitable[dict[str, Any]]]
KPI_PROVIDERS: list[KpiProvider] = []


def register(provider: KpiProvider) -> KpiProvider:
    KPI_PROVIDERS.append(provider)
    return provider


@register
async def _customers(brand: Brand, day_start: datetime, now: datetime) -> dict[str, Any]:
    count = await Customer.filter(brand_id=brand.id, created_at__gte=day_start).count()
    return {"new_members_today": count}


def day_start(brand: Brand, now: datetime) -> datetime:
    zone = ZoneInfo(brand.timezone)
    local = now.astimezone(zone)
    return datetime.combine(local.date(), time.min, zone).astimezone(ZoneInfo("UTC"))


async def compute(brand: Brand, now: datetime) -> dict[str, Any]:
    """Every KPI key; those no provider computes yet are None."""
    values: dict[str, Any] = dict.fromkeys(KPI_KEYS)
    start = day_start(brand, now)
    for provider in KPI_PROVIDERS:
        values.update({k: v for k, v in (await provider(brand, start, now)).items() if k in values})
    return values


ROLLING_NPS_DAYS = timedelta(days=30)
OPEN_TICKET_STATES = ("NEW", "OPEN", "PENDING_CUSTOMER")
ISSUING_KINDS = ("EARN", "RELEASE")  # a pending EARN books 0; its RELEASE books the points


@register
async def _purchases(brand: Brand, day_start: datetime, now: datetime) -> dict[str, Any]:
    rows = (
        await Purchase.filter(brand_id=brand.id, occurred_at__gte=day_start)
        .annotate(n=Count("id"), total=Sum("amount"), refunded=Sum("refunded_amount"))
        .values("n", "total", "refunded")
    )
    row = rows[0] if rows else {}
    revenue = Decimal(str(row.get("total") or 0)) - Decimal(str(row.get("refunded") or 0))
    return {"purchases_today": int(row.get("n") or 0), "revenue_today": str(revenue)}


@register
async def _points(brand: Brand, day_start: datetime, now: datetime) -> dict[str, Any]:
    today = PointsTransaction.filter(brand_id=brand.id, created_at__gte=day_start)
    issued = await today.filter(Q(kind__in=ISSUING_KINDS) | Q(kind="ADJUST", amount__gt=0)).values(
        "amount"
    )
    redeemed = await today.filter(kind="REDEEM").values("amount")
    return {
        "points_issued_today": sum(int(r["amount"]) for r in issued),
        "points_redeemed_today": -sum(int(r["amount"]) for r in redeemed),
    }


def _breached_today(day_start: datetime, now: datetime) -> Q:
    """A clock whose due time fell today and that was (or still is) missed."""
    response_due = Q(first_response_due__gte=day_start, first_response_due__lt=now)
    resolution_due = Q(resolution_due__gte=day_start, resolution_due__lt=now)
    late_response = Q(first_response_breached=True) | Q(first_responded_at__isnull=True)
    late_resolution = Q(resolution_breached=True) | Q(status__in=["NEW", "OPEN"])
    return (response_due & late_response) | (resolution_due & late_resolution)


@register
async def _tickets(brand: Brand, day_start: datetime, now: datetime) -> dict[str, Any]:
    tickets = Ticket.filter(brand_id=brand.id)
    return {
        "open_tickets": await tickets.filter(status__in=OPEN_TICKET_STATES).count(),
        "sla_breaches_today": await tickets.filter(_breached_today(day_start, now)).count(),
    }


@register
async def _nps(brand: Brand, day_start: datetime, now: datetime) -> dict[str, Any]:
    scores = await SurveyResponse.filter(
        brand_id=brand.id, submitted_at__gte=now - ROLLING_NPS_DAYS, nps_score__isnull=False
    ).values("nps_score")
    return {"nps_30_days": summarize(int(r["nps_score"]) for r in scores).score}
