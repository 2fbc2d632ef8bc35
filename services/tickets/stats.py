"""ticketStats: counts, medians, SLA compliance, CSAT and the root-cause Pareto."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from statistics import median

from tortoise.functions import Count
from tortoise.queryset import QuerySet

from models.tickets import Ticket
from services.stores.refs import codes_of


@dataclass(frozen=True)
class Bucket:
    key: str
    count: int


@dataclass(frozen=True)
class ParetoEntry:
    root_cause: str
    count: int
    share: float  # of all resolved tickets with a root cause, in percent
    cumulative_share: float


@dataclass(frozen=True)
class TicketStats:
    total: int
    by_status: list[Bucket]
    by_category: list[Bucket]
    by_channel: list[Bucket]
    by_severity: list[Bucket]
    median_first_response_seconds: float | None
    median_resolution_seconds: float | None
    first_response_compliance: float | None
    resolution_compliance: float | None
    csat_average: float | None
    csat_count: int
    root_causes: list[ParetoEntry]
    by_store: list[Bucket] = field(default_factory=list)


def pareto(counts: Counter[str]) -> list[ParetoEntry]:
    total = sum(counts.values())
    entries: list[ParetoEntry] = []
    running = 0
    for cause, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        running += count
        entries.append(
            ParetoEntry(
                cause, count, round(100 * count / total, 1), round(100 * running / total, 1)
            )
        )
    return entries


def _percent(good: int, total: int) -> float | None:
    return round(100 * good / total, 1) if total else None


async def _buckets(
    brand_id: int, frm: datetime | None, to: datetime | None, column: str
) -> list[Bucket]:
    query = _window(brand_id, frm, to)
    rows = await query.annotate(n=Count("id")).group_by(column).values(column, "n")
    found = [Bucket(str(row[column]), int(row["n"])) for row in rows]
    return sorted(found, key=lambda b: (-b.count, b.key))


def _window(brand_id: int, frm: datetime | None, to: datetime | None) -> QuerySet[Ticket]:
    query = Ticket.filter(brand_id=brand_id)
    if frm is not None:
        query = query.filter(created_at__gte=frm)
    if to is not None:
        query = query.filter(created_at__lt=to)
    return query


async def ticket_stats(brand_id: int, frm: datetime | None, to: datetime | None) -> TicketStats:
    """Over tickets opened in [from, to): grouped counts in SQL, the rest from one row scan."""
    rows = await _window(brand_id, frm, to).values(
        "created_at",
        "first_responded_at",
        "resolved_at",
        "first_response_due",
        "resolution_due",
        "first_response_breached",
        "resolution_breached",
        "csat_score",
        "root_cause",
        "status",
    )
    responses = [
        (r["first_responded_at"] - r["created_at"]).total_seconds()
        for r in rows
        if r["first_responded_at"]
    ]
    resolutions = [
        (r["resolved_at"] - r["created_at"]).total_seconds() for r in rows if r["resolved_at"]
    ]
    # Compliance: of the clocks that have stopped or been flagged, the share within target.
    fr_done = [
        r
        for r in rows
        if r["first_response_due"] and (r["first_responded_at"] or r["first_response_breached"])
    ]
    res_done = [
        r for r in rows if r["resolution_due"] and (r["resolved_at"] or r["resolution_breached"])
    ]
    ratings = [int(r["csat_score"]) for r in rows if r["csat_score"] is not None]
    causes = Counter(str(r["root_cause"]) for r in rows if r["root_cause"])
    return TicketStats(
        total=len(rows),
        by_status=await _buckets(brand_id, frm, to, "status"),
        by_category=await _buckets(brand_id, frm, to, "category"),
        by_channel=await _buckets(brand_id, frm, to, "channel"),
        by_severity=await _buckets(brand_id, frm, to, "severity"),
        median_first_response_seconds=median(responses) if responses else None,
        median_resolution_seconds=median(resolutions) if resolutions else None,
        first_response_compliance=_percent(
            sum(1 for r in fr_done if not r["first_response_breached"]), len(fr_done)
        ),
        resolution_compliance=_percent(
            sum(1 for r in res_done if not r["resolution_breached"]), len(res_done)
        ),
        csat_average=round(sum(ratings) / len(ratings), 2) if ratings else None,
        csat_count=len(ratings),
        root_causes=pareto(causes),
        by_store=await _by_store(brand_id, frm, to),
    )


async def _by_store(brand_id: int, frm: datetime | None, to: datetime | None) -> list[Bucket]:
    """Tickets per store, keyed by the store's code (NONE: no store)."""
    rows = await _buckets(brand_id, frm, to, "store_id")
    codes = await codes_of(brand_id, [int(b.key) for b in rows if b.key.isdigit()])
    found = [
        Bucket(codes.get(int(b.key), "NONE") if b.key.isdigit() else "NONE", b.count) for b in rows
    ]
    return sorted(found, key=lambda b: (-b.count, b.key))
