"""Compile a canonical segment rule (services/segments/rules.py) into one SQL WHERE clause.

Every predicate compiles to an expression that is TRUE or FALSE, never NULL, so `not` is a
plain SQL NOT. Joined data is reached through correlated `EXISTS` (and, for sums, scalar
sub-selects; counts are grouped once and joined) on indexed `customer_id` columns:
PostgreSQL turns them into semi/anti joins where it can and otherwise probes an index per
row, never the quadratic plan a large `NOT IN` can fall into. Placeholders are `?`; the SQL
contains no other question mark, so services/common/sql.py can renumber them for PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from services.attributes import segment_rules as attribute_rules
from services.segments.rules import money_cents

# A purchase counts when not fully refunded; spend is net of refunds.
NET = "(p.amount - p.refunded_amount)"
CENTS = f"CAST(ROUND(COALESCE(SUM({NET}), 0) * 100) AS BIGINT)"


@dataclass
class Compiler:
    brand_id: int
    now: datetime
    dialect: str
    zone: tzinfo = UTC  # the brand's: calendar days (ages, enrolment dates) are counted there
    params: list[Any] = field(default_factory=list)

    def bind(self, *values: Any) -> str:
        self.params.extend(values)
        return ", ".join("?" for _ in values)

    def node(self, node: dict[str, Any]) -> str:
        key, value = next(iter(node.items()))
        if key == "and":
            return "(" + " AND ".join(self.node(child) for child in value) + ")"
        if key == "or":
            return "(" + " OR ".join(self.node(child) for child in value) + ")"
        if key == "not":
            return f"(NOT {self.node(value)})"
        return "(" + PREDICATE_SQL[key](self, value) + ")"

    def ago(self, days: int) -> datetime:
        return self.now - timedelta(days=days)

    def today(self) -> date:
        return self.now.astimezone(self.zone).date()

    def midnight(self, day: str) -> datetime:
        """The start of a calendar day (YYYY-MM-DD) in the brand's zone, as a UTC time: SQLite
        compares stored times as text, all written in UTC."""
        return datetime.combine(date.fromisoformat(day), time(), tzinfo=self.zone).astimezone(UTC)


def _lower_in(column: str) -> Callable[[Compiler, dict[str, Any]], str]:
    def build(q: Compiler, args: dict[str, Any]) -> str:
        values = [v.lower() for v in args["in"]]
        return f"{column} IS NOT NULL AND LOWER({column}) IN ({q.bind(*values)})"

    return build


def _exists(q: Compiler, source: str, alias: str, condition: str) -> str:
    """Some row of `source` (brand-scoped) about this customer satisfies the condition.

    The condition's parameters are already bound, so it comes first in the text.
    """
    return (
        f"EXISTS (SELECT 1 FROM {source} WHERE ({condition}) AND {alias}.customer_id = c.id"
        f" AND {alias}.brand_id = {q.bind(q.brand_id)})"
    )


def _tier(q: Compiler, args: dict[str, Any]) -> str:
    source = "memberships m JOIN tiers t ON t.id = m.tier_id"
    if "in" in args:
        return _exists(q, source, "m", f"t.name IN ({q.bind(*args['in'])})")
    floor = (
        f'SELECT f."rank" FROM tiers f WHERE f.brand_id = {q.bind(q.brand_id)}'
        f" AND f.name = {q.bind(args['atLeast'])}"
    )
    return _exists(q, source, "m", f't."rank" >= ({floor})')


def _stats(column: str) -> Callable[[Compiler, dict[str, Any]], str]:
    def build(q: Compiler, args: dict[str, Any]) -> str:
        values = args["in"]
        match = _exists(q, "customer_stats s", "s", f"s.{column} IN ({q.bind(*values)})")
        if column == "lifecycle_stage" and "PROSPECT" in values:
            # customers without a stats row have never bought: prospects
            match += " OR NOT " + _exists(q, "customer_stats s", "s", "1 = 1")
        return match

    return build


def _gender(q: Compiler, args: dict[str, Any]) -> str:
    return f"c.gender IN ({q.bind(*args['in'])})"


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _age_band(q: Compiler, args: dict[str, Any]) -> str:
    parts = ["c.birthday IS NOT NULL"]
    today = q.today()
    if "min" in args:
        parts.append(f"c.birthday <= {q.bind(_years_before(today, args['min']))}")
    if "max" in args:
        parts.append(f"c.birthday > {q.bind(_years_before(today, args['max'] + 1))}")
    return " AND ".join(parts)


def _tags(q: Compiler, args: dict[str, Any]) -> str:
    if "any" in args:
        return _exists(q, "customer_tags ct", "ct", f"ct.tag IN ({q.bind(*args['any'])})")
    return " AND ".join(
        _exists(q, "customer_tags ct", "ct", f"ct.tag = {q.bind(tag)}") for tag in args["all"]
    )


def _bought_since(q: Compiler, since: datetime) -> str:
    return _exists(q, "purchases p", "p", f"p.occurred_at > {q.bind(since)} AND {NET} > 0")


def _days_since(q: Compiler, args: dict[str, Any]) -> str:
    parts = []
    if "min" in args:  # nothing bought in the last `min` days (never bought counts)
        parts.append(f"NOT {_bought_since(q, q.ago(args['min']))}")
    if "max" in args:
        parts.append(_bought_since(q, q.ago(args["max"] + 1)))
    return " AND ".join(parts)


def _aggregate(measure: str, to_number: Callable[[Any], int]) -> Callable[..., str]:
    """The measure over the customer's purchases (in a window) lies in [min, max] (a sub-select
    per customer)."""

    def build(q: Compiler, args: dict[str, Any]) -> str:
        where = f"p.customer_id = c.id AND p.brand_id = {q.bind(q.brand_id)}"
        if "withinDays" in args:
            where += f" AND p.occurred_at > {q.bind(q.ago(args['withinDays']))}"
        value = f"(SELECT {measure} FROM purchases p WHERE {where})"
        if "min" in args and "max" in args:
            low, high = to_number(args["min"]), to_number(args["max"])
            return f"{value} BETWEEN {q.bind(low)} AND {q.bind(high)}"
        if "min" in args:
            return f"{value} >= {q.bind(to_number(args['min']))}"
        return f"{value} <= {q.bind(to_number(args['max']))}"

    return build


def _purchase_count(q: Compiler, args: dict[str, Any]) -> str:
    """Set-based: the customers' counts are grouped once (a semi- or anti-join on
    PostgreSQL), not a sub-select per customer; a customer without purchases counts 0."""
    low, high = args.get("min", 0), args.get("max")
    if low == 0 and high is None:
        return "1 = 1"
    where = f"p.brand_id = {q.bind(q.brand_id)} AND {NET} > 0"
    if "withinDays" in args:
        where += f" AND p.occurred_at > {q.bind(q.ago(args['withinDays']))}"
    if low == 1 and high is None:  # bought at least once: no counting at all
        return f"EXISTS (SELECT 1 FROM purchases p WHERE {where} AND p.customer_id = c.id)"

    def counted(having: str) -> str:
        grouped = (
            f"SELECT p.customer_id FROM purchases p WHERE {where}"
            f" GROUP BY p.customer_id HAVING {having}"
        )
        return f"(SELECT 1 FROM ({grouped}) g WHERE g.customer_id = c.id)"

    if low > 0:
        having = f"COUNT(*) >= {q.bind(low)}"
        if high is not None:
            having += f" AND COUNT(*) <= {q.bind(high)}"
        return f"EXISTS {counted(having)}"
    return f"NOT EXISTS {counted(f'COUNT(*) > {q.bind(high)}')}"


def _birthday_month(q: Compiler, args: dict[str, Any]) -> str:
    if q.dialect == "postgres":
        month = "CAST(EXTRACT(MONTH FROM c.birthday) AS INTEGER)"
    else:
        month = "CAST(strftime('%m', c.birthday) AS INTEGER)"
    return f"c.birthday IS NOT NULL AND {month} IN ({q.bind(*args['in'])})"


def _enrolled(q: Compiler, args: dict[str, Any]) -> str:
    parts = []
    if "from" in args:
        parts.append(f"m.enrolled_at >= {q.bind(q.midnight(args['from']))}")
    if "to" in args:
        next_day = date.fromisoformat(args["to"]) + timedelta(days=1)
        parts.append(f"m.enrolled_at < {q.bind(q.midnight(next_day.isoformat()))}")
    if "withinDays" in args:
        parts.append(f"m.enrolled_at > {q.bind(q.ago(args['withinDays']))}")
    return _exists(q, "memberships m", "m", " AND ".join(parts))


def _consent(q: Compiler, args: dict[str, Any]) -> str:
    return f"c.marketing_consent = {q.bind(args['marketing'])}"


def _has_coupon(q: Compiler, args: dict[str, Any]) -> str:
    condition = (
        f"k.offer_id = {q.bind(args['offerId'])} AND k.status = 'ISSUED'"
        f" AND (k.expires_at IS NULL OR k.expires_at > {q.bind(q.now)})"
    )
    return _exists(q, "coupons k", "k", condition)


PREDICATE_SQL: dict[str, Callable[[Compiler, dict[str, Any]], str]] = {
    "tier": _tier,
    "lifecycleStage": _stats("lifecycle_stage"),
    "valueTier": _stats("value_tier"),
    "city": _lower_in("c.city"),
    "region": _lower_in("c.region"),
    "gender": _gender,
    "ageBand": _age_band,
    "tags": _tags,
    "daysSinceLastPurchase": _days_since,
    "purchaseCount": _purchase_count,
    "totalSpend": _aggregate(CENTS, money_cents),
    "birthdayMonth": _birthday_month,
    "enrolled": _enrolled,
    "consent": _consent,
    "hasCoupon": _has_coupon,
    "attribute": attribute_rules.compile_sql,
}


def uses_calendar_days(rule: dict[str, Any]) -> bool:
    """Whether the rule counts calendar days (ages, enrolment dates), which need the brand's
    time zone; instants (`withinDays`, days since a purchase) do not."""
    key, value = next(iter(rule.items()))
    if key in ("and", "or"):
        return any(uses_calendar_days(child) for child in value)
    if key == "not":
        return uses_calendar_days(value)
    return key == "ageBand" or (key == "enrolled" and ("from" in value or "to" in value))


def compile_rule(
    brand_id: int, rule: dict[str, Any], now: datetime, dialect: str, zone: tzinfo = UTC
) -> tuple[str, list[Any]]:
    """`SELECT c.id AS customer_id FROM customers c WHERE ...` with `?` placeholders."""
    q = Compiler(brand_id=brand_id, now=now, dialect=dialect, zone=zone)
    head = (
        "SELECT c.id AS customer_id FROM customers c"
        f" WHERE c.brand_id = {q.bind(brand_id)} AND c.erased_at IS NULL"
    )
    query = f"{head} AND {q.node(rule)}"
    assert query.count("?") == len(q.params), "placeholders and parameters differ"
    return query, q.params
