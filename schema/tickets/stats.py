from __future__ import annotations

import strawberry

from services.tickets.stats import Bucket, ParetoEntry, TicketStats


@strawberry.type
class CountBucket:
    key: str
    count: int


@strawberry.type
class RootCauseShare:
    root_cause: str
    count: int
    share: float = strawberry.field(description="Percent of tickets with a root cause.")
    cumulative_share: float = strawberry.field(description="Running percent, largest first.")


def _buckets(rows: list[Bucket]) -> list[CountBucket]:
    return [CountBucket(key=b.key, count=b.count) for b in rows]


def _pareto(rows: list[ParetoEntry]) -> list[RootCauseShare]:
    return [
        RootCauseShare(
            root_cause=r.root_cause,
            count=r.count,
            share=r.share,
            cumulative_share=r.cumulative_share,
        )
        for r in rows
    ]


@strawberry.type(name="TicketStats", description="Over tickets opened in [from, to).")
class TicketStatsType:
    total: int
    by_status: list[CountBucket]
    by_category: list[CountBucket]
    by_channel: list[CountBucket]
    by_severity: list[CountBucket]
    median_first_response_seconds: float | None
    median_resolution_seconds: float | None
    first_response_compliance: float | None = strawberry.field(
        description="Percent of answered or breached first-response clocks answered in time."
    )
    resolution_compliance: float | None = strawberry.field(
        description="Percent of resolved or breached resolution clocks resolved in time."
    )
    csat_average: float | None
    csat_count: int
    root_causes: list[RootCauseShare] = strawberry.field(description="Pareto: most first.")
    by_store: list[CountBucket] = strawberry.field(
        description="Keyed by store code (NONE: no store)."
    )

    @classmethod
    def from_stats(cls, s: TicketStats) -> TicketStatsType:
        return cls(
            total=s.total,
            by_status=_buckets(s.by_status),
            by_category=_buckets(s.by_category),
            by_channel=_buckets(s.by_channel),
            by_severity=_buckets(s.by_severity),
            median_first_response_seconds=s.median_first_response_seconds,
            median_resolution_seconds=s.median_resolution_seconds,
            first_response_compliance=s.first_response_compliance,
            resolution_compliance=s.resolution_compliance,
            csat_average=s.csat_average,
            csat_count=s.csat_count,
            root_causes=_pareto(s.root_causes),
            by_store=_buckets(s.by_store),
        )
