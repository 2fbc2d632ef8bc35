"""Dashboard KPIs of a brand: each domain registers a provider computing its keys."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from models import Brand, Customer

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
