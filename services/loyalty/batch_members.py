"""The memberships of a chunk of imported rows (purchases, opening balances), locked together
and changed in memory as `enroll_locked`, `add_lot` and `change_tier` change one member, then
written in a few statements with the chunk's ledger rows, tier changes, audit entries and
events, in the order the rows one by one would have written them.

What a row writes is planned before the ids it names exist (a new membership's, a purchase's,
a lot's): its audit entries, tier changes and events are kept as functions of the planned
rows, called once the rows are inserted and have their ids.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tortoise import Tortoise
from tortoise.models import Model

from events.outbox import emit_each
from models import Brand, LoyaltySettings, Membership, TierChange, rows
from models.statements import execute_counting, fetch_rows
from services.common import audit, sql
from services.common.actor import Actor
from services.common.errors import DomainError, ErrorCode
from services.loyalty import config as loyalty_config
from services.loyalty.config import utcnow

Event = tuple[str, int | None, tuple[str, int | str] | None, dict[str, Any]]
Entry = tuple[str, str, int | str, dict[str, Any] | None]
BALANCES = ("available", "pending", "lifetime_earned", "tier_id", "tier_since")


@dataclass(eq=False)
class Member:
    """A locked membership's columns that a chunk changes; `id` is None until a membership
    enrolled by the chunk is inserted."""

    customer_id: int
    id: int | None
    tier_id: int | None
    tier_since: datetime
    available: int = 0
    pending: int = 0
    lifetime_earned: int = 0
    next_review_at: datetime | None = None
    new: bool = False
    changed: bool = False

    def add_lot(self, kind: str, points: int, pending: bool) -> None:
        """What `points.add_lot` does to the balances."""
        if pending:
            self.pending += points
        else:
            self.available += points
        if kind == "EARN":
            self.lifetime_earned += points
        self.changed = True

    def saved_id(self) -> int:
        assert self.id is not None, "the membership is inserted before its rows are written"
        return self.id


@dataclass(eq=False)
class Planned:
    """A row to insert whose id others name."""

    values: dict[str, Any]
    id: int | None = None

    def saved_id(self) -> int:
        assert self.id is not None, "read once the chunk's rows are inserted"
        return self.id


@dataclass
class Chunk:
    """A chunk's locked members and what its rows will write besides their own rows."""

    actor: Actor
    brand: Brand
    settings: LoyaltySettings
    found: set[int]  # the chunk's customers that exist, locked
    members: dict[int, Member]
    now: datetime = field(default_factory=utcnow)
    enrolled: list[Member] = field(default_factory=list)
    events: list[Callable[[], Event]] = field(default_factory=list)
    audits: list[Callable[[], Entry]] = field(default_factory=list)
    tier_changes: list[Callable[[], dict[str, Any]]] = field(default_factory=list)

    def missing(self, customer_id: int) -> DomainError | None:
        if customer_id in self.found:
            return None
        return DomainError.single("customerId", ErrorCode.NOT_FOUND, "customer not found")

    def enroll(self, customer_id: int, first_tier: tuple[int, str]) -> Member:
        """The customer's membership, enrolled (in memory) as `enroll_locked` would."""
        known = self.members.get(customer_id)
        if known is not None:
            return known
        policy = self.settings.downgrade_policy
        days = 365 if policy == "ANNIVERSARY" else self.settings.review_days
        m = Member(customer_id, None, first_tier[0], self.now, new=True)
        m.next_review_at = self.now + timedelta(days=days)
        self.members[customer_id] = m
        self.enrolled.append(m)
        name = first_tier[1]
        self.tier_changes.append(lambda: _tier_change(self.brand.id, m, None, name, "enrolled"))
        self.events.append(
            lambda: (
                "membership.tier_changed",
                customer_id,
                ("Membership", m.saved_id()),
                {"from": None, "to": name, "reason": "enrolled"},
            )
        )
        self.audits.append(
            lambda: ("enrollMember", "Customer", customer_id, {"membership": m.saved_id()})
        )
        return m

    def change_tier(
        self, m: Member, old: str | None, new: tuple[int, str], reason: Callable[[], str]
    ) -> None:
        m.tier_id, m.tier_since, m.changed = new[0], self.now, True
        name = new[1]
        self.tier_changes.append(lambda: _tier_change(self.brand.id, m, old, name, reason()))
        self.events.append(
            lambda: (
                "membership.tier_changed",
                m.customer_id,
                ("Membership", m.saved_id()),
                {"from": old, "to": name, "reason": reason()},
            )
        )

    def points_changed(self, m: Member, kind: str, amount: int, lot: Planned) -> None:
        payload = {"kind": kind, "amount": amount, "balance": m.available, "pending": m.pending}
        self.events.append(
            lambda: (
                "points.changed",
                m.customer_id,
                ("PointsTransaction", lot.saved_id()),
                payload,
            )
        )


def _tier_change(
    brand_id: int, m: Member, old: str | None, new: str, reason: str
) -> dict[str, Any]:
    return {
        "brand_id": brand_id,
        "membership_id": m.saved_id(),
        "from_tier": old,
        "to_tier": new,
        "reason": reason,
    }


async def lock(actor: Actor, brand: Brand, customer_ids: Sequence[int]) -> Chunk:
    """Lock the customers, then their memberships, in customer id order (as `enroll_locked`
    locks one customer, then their membership)."""
    ordered = sorted(set(customer_ids))
    on_postgres = sql.is_postgres()
    # By id alone (the unique indexes), the brand checked here: with `brand_id = ?` too,
    # PostgreSQL ANDed a scan of the brand's whole index in, longer as an import goes on.
    condition, listed = rows.one_of("id", ordered, 1, on_postgres)
    locked = await sql.fetch(
        f"SELECT id, brand_id FROM customers WHERE {condition} ORDER BY id",
        listed,
        for_update=True,
    )
    found = {int(row["id"]) for row in locked if row["brand_id"] == brand.id}
    members: dict[int, Member] = {}
    if found:
        condition, listed = rows.one_of("customer_id", sorted(found), 1, on_postgres)
        query = f"SELECT * FROM memberships WHERE {condition} ORDER BY customer_id"
        for m in await rows.fetch_models(Membership, query, listed, for_update=True):
            members[m.customer_id] = Member(
                m.customer_id,
                m.id,
                m.tier_id,
                m.tier_since,
                m.available,
                m.pending,
                m.lifetime_earned,
            )
    settings = await loyalty_config.get_settings(brand.id)
    return Chunk(actor, brand, settings, found, members)


async def insert_with_ids(model: type[Model], planned: Sequence[Planned]) -> None:
    """Insert the planned rows and give each its id: ids taken from the table's sequence and
    one statement on PostgreSQL, a statement a row on SQLite."""
    if not planned:
        return
    ids = await rows.next_ids(model, len(planned))
    if ids is None:
        for row in planned:
            row.id = (await rows.insert(model, row.values)).pk
        return
    for row, given in zip(planned, ids, strict=True):
        row.id = given
    await rows.insert_many(model, [{"id": row.id, **row.values} for row in planned])


async def write_enrolled(chunk: Chunk) -> None:
    """Insert the memberships the chunk enrolled, with their balances at the chunk's end."""
    planned = [
        Planned(
            {
                "brand_id": chunk.brand.id,
                "customer_id": m.customer_id,
                "member_number": uuid.uuid4().hex[:32],
                "tier_id": m.tier_id,
                "tier_since": m.tier_since,
                "manual_tier_id": None,
                "manual_tier_until": None,
                "status": "ACTIVE",
                "next_review_at": m.next_review_at,
                "review_rank": None,
                "available": m.available,
                "pending": m.pending,
                "lifetime_earned": m.lifetime_earned,
                "redeemed": 0,
                "expired": 0,
            }
        )
        for m in chunk.enrolled
    ]
    ids = await rows.next_ids(Membership, len(planned))
    if ids is not None:  # the member numbers known before the insert
        for row, given in zip(planned, ids, strict=True):
            row.id, row.values["member_number"] = given, f"M{given:08d}"
        await rows.insert_many(Membership, [{"id": row.id, **row.values} for row in planned])
    else:
        await insert_with_ids(Membership, planned)
        numbers = [(f"M{row.saved_id():08d}", row.saved_id()) for row in planned]
        await _update_rows("memberships", ("member_number",), ("text",), numbers)
    for m, row in zip(chunk.enrolled, planned, strict=True):
        m.id = row.saved_id()


async def write_changed(chunk: Chunk) -> None:
    """One UPDATE of the balances and tiers of the memberships that were there before."""
    changed = [m for m in chunk.members.values() if m.changed and not m.new]
    values = [
        (m.available, m.pending, m.lifetime_earned, m.tier_id, m.tier_since, m.saved_id())
        for m in changed
    ]
    kinds = ("bigint", "bigint", "bigint", "bigint", "timestamptz")
    await _update_rows("memberships", BALANCES, kinds, values)


async def _update_rows(
    table: str, columns: Sequence[str], kinds: Sequence[str], values: Sequence[tuple[Any, ...]]
) -> None:
    """UPDATE `columns` of the rows whose id ends each tuple of `values`: one statement from
    arrays on PostgreSQL, one a row on SQLite."""
    if not values:
        return
    conn = Tortoise.get_connection("default")
    if conn.capabilities.dialect == "postgres":
        arrays = ", ".join(f"${i}::{kind}[]" for i, kind in enumerate([*kinds, "bigint"], 1))
        names = ", ".join([*columns, "id"])
        sets = ", ".join(f"{c} = v.{c}" for c in columns)
        statement = (
            f"UPDATE {table} t SET {sets} FROM unnest({arrays}) AS v({names}) WHERE t.id = v.id"
        )
        await execute_counting(conn, statement, [list(c) for c in zip(*values, strict=True)])
        return
    sets = ", ".join(f"{c} = ?" for c in columns)
    for row in values:
        await execute_counting(conn, f"UPDATE {table} SET {sets} WHERE id = ?", list(row))


async def write_trail(chunk: Chunk) -> None:
    """The chunk's tier changes, audit entries and events, in the rows' order."""
    await rows.insert_many(TierChange, [change() for change in chunk.tier_changes])
    await audit.record_each(chunk.actor, [entry() for entry in chunk.audits])
    await emit_each(chunk.actor, [event() for event in chunk.events])


async def rows_named(
    table: str, column: str, brand_id: int, values: Sequence[str], selected: Sequence[str]
) -> list[dict[str, Any]]:
    """The `selected` columns of the brand's rows whose text `column` is one of `values` (a
    unique key of the brand's): on PostgreSQL one statement joining the values given as an
    array (an index probe a value, the same plan whatever their number), on SQLite `IN`
    lists."""
    unique = list(dict.fromkeys(values))
    if not unique:
        return []
    names = ", ".join(f"t.{c}" for c in selected)
    if sql.is_postgres():
        statement = (
            f"SELECT {names} FROM unnest($2::text[]) AS given(v)"
            f" JOIN {table} t ON t.brand_id = $1 AND t.{column} = given.v"
        )
        conn = Tortoise.get_connection("default")
        return [dict(r) for r in await fetch_rows(conn, statement, [brand_id, unique])]
    found: list[dict[str, Any]] = []
    for start in range(0, len(unique), 500):
        batch = unique[start : start + 500]
        marks = ", ".join("?" * len(batch))
        found += await sql.fetch(
            f"SELECT {names} FROM {table} t WHERE t.brand_id = ? AND t.{column} IN ({marks})",
            [brand_id, *batch],
        )
    return found
