"""`crm tiers review`: re-qualify every member of a brand with a few set-based statements."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.transactions import in_transaction

from events.outbox import reserve_seqs
from models import Brand, LoyaltySettings, Tier
from services.common import audit, sql
from services.common.actor import Actor
from services.loyalty import config as loyalty_config
from services.loyalty.config import to_cents, utcnow

DUE = "m.next_review_at IS NOT NULL AND m.next_review_at <= ?"
CHANGED = "(r.old_rank IS NULL OR r.new_rank <> r.old_rank)"
GRACE_STARTS = "GRACE_STARTS"  # a value of review_targets.status only


@dataclass(frozen=True)
class ReviewResult:
    changed: int
    grace_started: int


def _streak_sql(brand_id: int, month: int, monthly_min_cents: int) -> str:
    """Per member, the length of the run of qualifying months that reaches this month or the
    last one (this month may not be over yet). Gaps and islands: within a run of consecutive
    months, month - ROW_NUMBER() is constant."""
    return (
        f"SELECT customer_id, MAX(CASE WHEN last_month >= {month - 1} THEN cnt ELSE 0 END)"
        " AS run FROM (SELECT customer_id, grp, COUNT(*) AS cnt, MAX(month) AS last_month"
        " FROM (SELECT customer_id, month,"
        " month - ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY month) AS grp"
        f" FROM (SELECT customer_id, month FROM daily_spend WHERE brand_id = {brand_id}"
        f" AND month <= {month} GROUP BY customer_id, month"
        f" HAVING SUM(cents) >= {monthly_min_cents}) mm) s GROUP BY customer_id, grp) g"
        " GROUP BY customer_id"
    )


def _tier_condition(tier: Tier) -> str:
    parts = []
    if tier.min_lifetime_spend is not None:
        parts.append(f"COALESCE(f.lifetime, 0) >= {to_cents(tier.min_lifetime_spend)}")
    if tier.window_days and tier.window_spend is not None:
        parts.append(f"COALESCE(f.w{tier.window_days}, 0) >= {to_cents(tier.window_spend)}")
    if tier.consecutive_months and tier.monthly_min is not None:
        cents = to_cents(tier.monthly_min)
        parts.append(f"COALESCE(s{cents}.run, 0) >= {int(tier.consecutive_months)}")
    if tier.min_lifetime_points is not None:
        parts.append(f"m.lifetime_earned >= {int(tier.min_lifetime_points)}")
    return " AND ".join(parts) or "1 = 1"


def _rank_sql(tiers: list[Tier], brand_id: int, today: int, month: int) -> tuple[str, str]:
    """(the rule's rank as a CASE over joined facts, the joins). Every value is an integer
    computed here, written inline; each kind of fact is read once for all tiers."""
    higher = tiers[1:]
    windows = sorted(
        {t.window_days for t in higher if t.window_days and t.window_spend is not None}
    )
    minimums = sorted(
        {
            to_cents(t.monthly_min)
            for t in higher
            if t.consecutive_months and t.monthly_min is not None
        }
    )
    sums = "".join(
        f", SUM(CASE WHEN day > {today - int(days)} THEN cents ELSE 0 END) AS w{int(days)}"
        for days in windows
    )
    joins = (
        f" LEFT JOIN (SELECT customer_id, SUM(cents) AS lifetime{sums} FROM daily_spend"
        f" WHERE brand_id = {brand_id} GROUP BY customer_id) f ON f.customer_id = m.customer_id"
    )
    for cents in minimums:
        joins += (
            f" LEFT JOIN ({_streak_sql(brand_id, month, cents)}) s{cents}"
            f" ON s{cents}.customer_id = m.customer_id"
        )
    arms = " ".join(
        f"WHEN {_tier_condition(t)} THEN {int(t.rank)}"
        for t in sorted(higher, key=lambda t: -t.rank)
    )
    base = str(int(tiers[0].rank))
    return (f"CASE {arms} ELSE {base} END" if arms else base), joins


async def _targets(brand: Brand, tiers: list[Tier], policy: str, now: datetime) -> None:
    """Fill review_targets: members due for review or whose rank changes, with the highest rank
    whose rule holds raised to an unexpired manual floor. One statement reads the facts once
    for every tier; members are only read here (each UPDATE of a row costs a new row version
    on PostgreSQL, so memberships are written once, at the end, and only where needed)."""
    cal = loyalty_config.calendar(brand)
    b = int(brand.id)
    rule, joins = _rank_sql(tiers, b, cal.day(now), cal.month(now))
    floor = f'COALESCE(mt."rank", {int(tiers[0].rank)})'
    best = f"CASE WHEN {floor} > {rule} THEN {floor} ELSE {rule} END"
    due, params = ("0 = 1", []) if policy == "NEVER" else (DUE, [now])
    await sql.execute("DROP TABLE IF EXISTS review_targets")
    await sql.execute(
        "CREATE TEMP TABLE review_targets (id BIGINT PRIMARY KEY, customer_id BIGINT,"
        " old_rank INTEGER, old_name VARCHAR(64), new_rank INTEGER, due INTEGER,"
        " status VARCHAR(16))"
    )
    await sql.execute(
        "INSERT INTO review_targets SELECT * FROM (SELECT m.id, m.customer_id,"
        f' ct."rank" AS old_rank, ct.name, {best} AS new_rank,'
        f" CASE WHEN {due} THEN 1 ELSE 0 END AS due, m.status"
        f" FROM memberships m{joins} LEFT JOIN tiers mt ON mt.id = m.manual_tier_id"
        f" LEFT JOIN tiers ct ON ct.id = m.tier_id WHERE m.brand_id = {b}) x"
        " WHERE x.due = 1 OR x.old_rank IS NULL OR x.new_rank <> x.old_rank",
        params,
    )


async def _hold_downgrades(grace_days: int) -> int:
    """Members not due keep their tier; due ones start a grace period first."""
    down = "old_rank IS NOT NULL AND new_rank < old_rank"
    await sql.execute(f"UPDATE review_targets SET new_rank = old_rank WHERE due = 0 AND {down}")
    if not grace_days:
        return 0
    return await sql.execute(
        f"UPDATE review_targets SET new_rank = old_rank, status = '{GRACE_STARTS}'"
        f" WHERE {down} AND status <> 'GRACE'"
    )


async def _apply(actor: Actor, brand_id: int, now: datetime, settings: LoyaltySettings) -> int:
    """History rows and outbox events of the changes, then one UPDATE of the members."""
    rows = await sql.fetch(f"SELECT COUNT(*) AS n FROM review_targets r WHERE {CHANGED}")
    count = int(rows[0]["n"])
    day = now.date().isoformat()
    reason = (
        f"CASE WHEN r.old_rank IS NULL OR r.new_rank > r.old_rank THEN 'review {day}: qualifies'"
        f" ELSE 'review {day}: no longer qualifies' END"
    )
    new_tier = f'JOIN tiers t ON t.brand_id = {int(brand_id)} AND t."rank" = r.new_rank'
    if count:
        await sql.execute(
            "INSERT INTO tier_changes (brand_id, membership_id, from_tier, to_tier, reason,"
            f" created_at) SELECT t.brand_id, r.id, r.old_name, t.name, {reason}, ?"
            f" FROM review_targets r {new_tier} WHERE {CHANGED}",
            [now],
        )
        first = await reserve_seqs(brand_id, count)
        payload = sql.json_object("'from'", "r.old_name", "'to'", "t.name", "'reason'", reason)
        await sql.execute(
            "INSERT INTO outbox_events (brand_id, seq, type, customer_id, subject_type,"
            " subject_id, payload, actor, request_id, created_at)"
            " SELECT t.brand_id, CAST(? AS BIGINT) - 1 + ROW_NUMBER() OVER (ORDER BY r.id),"
            " 'membership.tier_changed', r.customer_id, 'Membership',"
            f" CAST(r.id AS VARCHAR(64)), {payload}, ?, ?, ?"
            f" FROM review_targets r {new_tier} WHERE {CHANGED}",
            [first, actor.label, actor.request_id, now],
        )
    period = 365 if settings.downgrade_policy == "ANNIVERSARY" else settings.review_days
    new_tier_id = (
        f'(SELECT t.id FROM tiers t WHERE t.brand_id = {int(brand_id)} AND t."rank" = r.new_rank)'
    )
    changed = CHANGED.replace("r.", "review_targets.")
    await sql.execute(
        f"UPDATE memberships SET tier_id = CASE WHEN {changed}"
        f" THEN {new_tier_id.replace('r.', 'review_targets.')} ELSE tier_id END,"
        f" tier_since = CASE WHEN {changed} THEN ? ELSE tier_since END,"
        f" status = CASE WHEN review_targets.status = '{GRACE_STARTS}' THEN 'GRACE'"
        " WHEN review_targets.due = 1 OR"
        f" {changed} THEN 'ACTIVE' ELSE memberships.status END,"
        f" next_review_at = CASE WHEN review_targets.status = '{GRACE_STARTS}' THEN ?"
        " WHEN review_targets.due = 1 THEN ? ELSE next_review_at END"
        " FROM review_targets WHERE memberships.id = review_targets.id",
        [now, now + timedelta(days=settings.grace_days), now + timedelta(days=period)],
    )
    return count


async def review(brand: Brand, now: datetime | None = None, actor: Actor | None = None) -> int:
    """Upgrades for everyone who qualifies, downgrades for members due for review."""
    return (await review_brand(brand, now, actor)).changed


async def review_brand(
    brand: Brand, now: datetime | None = None, actor: Actor | None = None
) -> ReviewResult:
    """One transaction: qualification, grace, changes with history and events, next review."""
    now = now or utcnow()
    actor = actor or Actor.system(brand.id)
    settings = await loyalty_config.get_settings(brand.id)
    tiers = await loyalty_config.ladder(brand.id)
    async with in_transaction():
        if sql.is_postgres():  # hold every member of the brand until the review commits
            await sql.fetch(
                "SELECT COUNT(*) AS n FROM (SELECT id FROM memberships WHERE brand_id = ?"
                " FOR UPDATE) locked",
                [brand.id],
            )
        await sql.execute(
            "UPDATE memberships SET manual_tier_id = NULL, manual_tier_until = NULL"
            " WHERE brand_id = ? AND manual_tier_until <= ?",
            [brand.id, now],
        )
        await _targets(brand, tiers, settings.downgrade_policy, now)
        grace = await _hold_downgrades(settings.grace_days)
        changed = await _apply(actor, brand.id, now, settings)
        await sql.execute("DROP TABLE review_targets")
        details = {"changed": changed, "graceStarted": grace, "policy": settings.downgrade_policy}
        await audit.record(actor, "reviewTiers", "Brand", brand.id, details)
    return ReviewResult(changed, grace)
