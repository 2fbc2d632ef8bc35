"""Segment predicates on analytics (issue 20), kept apart from the core grammar:

- `churnRisk: {min, max}`: the churn probability of the last refresh lies in [min, max]
  (0 to 1); customers not scored (never bought, or no refresh yet) never match.
- `cluster: {in: [1, 3]}`: in one of the clusters of the last refresh.
- `trackedEvents: {name, min, max, withinDays}`: how many tracked events of that name the
  customer has (over the last withinDays, or ever) lies in [min, max]. "Added to cart but did
  not buy in 7 days" is `{and: [{trackedEvents: {name: "add_to_cart", min: 1, withinDays: 7}},
  {not: {purchaseCount: {min: 1, withinDays: 7}}}]}`.

`register()` adds them to the parser's and the compiler's tables.
"""

from __future__ import annotations

import math
from typing import Any

from services.segments.rules import MAX_DAYS, PREDICATES, RuleProblem, _args, _count, _range
from services.segments.sql import PREDICATE_SQL, Compiler
from services.tracking.vocabulary import NAME_PATTERN

MAX_CLUSTER = 20
MAX_EVENT_COUNT = 1_000_000


def _probability(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise RuleProblem(f"{name} must be a number from 0 to 1")
    if not 0 <= value <= 1:
        raise RuleProblem(f"{name} must be a number from 0 to 1")
    return round(float(value), 6)


def _churn_risk(value: dict[str, Any]) -> dict[str, Any]:
    args = _args(value, ("min", "max"))
    out: dict[str, Any] = {k: _probability(args[k], k) for k in ("min", "max") if k in args}
    if "min" in out and "max" in out and out["min"] > out["max"]:
        raise RuleProblem("min must not exceed max")
    return out


def _cluster(value: dict[str, Any]) -> dict[str, Any]:
    numbers = _args(value, ("in",))["in"]
    if not isinstance(numbers, list) or not numbers or len(numbers) > MAX_CLUSTER:
        raise RuleProblem(f"in expects a list of 1 to {MAX_CLUSTER} cluster numbers")
    return {"in": sorted({_count(n, "cluster", 1, MAX_CLUSTER) for n in numbers})}


def _tracked_events(value: dict[str, Any]) -> dict[str, Any]:
    args = _args(value, ("name", "min", "max", "withinDays"))
    name = args.get("name")
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise RuleProblem("name must be an event name (a-z, 0-9 and _)")
    out: dict[str, Any] = {"name": name, **_range(args, MAX_EVENT_COUNT)}
    if "min" not in out and "max" not in out:
        raise RuleProblem("needs min or max")
    if args.get("withinDays") is not None:
        out["withinDays"] = _count(args["withinDays"], "withinDays", 1, MAX_DAYS)
    return out


def _scored(q: Compiler, condition: str) -> str:
    return (
        f"EXISTS (SELECT 1 FROM analytics_customer_scores s WHERE ({condition})"
        f" AND s.customer_id = c.id AND s.brand_id = {q.bind(q.brand_id)})"
    )


def _churn_risk_sql(q: Compiler, args: dict[str, Any]) -> str:
    parts = ["s.churn_probability IS NOT NULL"]
    if "min" in args:
        parts.append(f"s.churn_probability >= {q.bind(args['min'])}")
    if "max" in args:
        parts.append(f"s.churn_probability <= {q.bind(args['max'])}")
    return _scored(q, " AND ".join(parts))


def _cluster_sql(q: Compiler, args: dict[str, Any]) -> str:
    return _scored(q, f"s.cluster IN ({q.bind(*args['in'])})")


def _tracked_events_sql(q: Compiler, args: dict[str, Any]) -> str:
    """Set-based: the counts of the matching events per customer are computed once (a
    semi- or anti-join on PostgreSQL), not by a sub-select per customer."""
    low, high = args.get("min", 0), args.get("max")
    if low == 0 and high is None:
        return "1 = 1"
    where = "e.brand_id = " + q.bind(q.brand_id) + " AND e.name = " + q.bind(args["name"])
    if "withinDays" in args:
        where += f" AND e.occurred_at > {q.bind(q.ago(args['withinDays']))}"

    def counted(having: str) -> str:
        grouped = (
            f"SELECT e.customer_id FROM tracked_events e WHERE {where}"
            f" AND e.customer_id IS NOT NULL GROUP BY e.customer_id HAVING {having}"
        )
        return f"(SELECT 1 FROM ({grouped}) g WHERE g.customer_id = c.id)"

    if low > 0:
        having = f"COUNT(*) >= {q.bind(low)}"
        if high is not None:
            having += f" AND COUNT(*) <= {q.bind(high)}"
        return f"EXISTS {counted(having)}"
    return f"NOT EXISTS {counted(f'COUNT(*) > {q.bind(high)}')}"


def register() -> None:
    """Idempotent: the grammar and the compiler know the analytics predicates."""
    PREDICATES.update(
        {"churnRisk": _churn_risk, "cluster": _cluster, "trackedEvents": _tracked_events}
    )
    PREDICATE_SQL.update(
        {
            "churnRisk": _churn_risk_sql,
            "cluster": _cluster_sql,
            "trackedEvents": _tracked_events_sql,
        }
    )
