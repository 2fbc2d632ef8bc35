"""The hand-written side of bench/points_writes.py: services/loyalty/points.award_points in
plain SQL."""

from __future__ import annotations

import hashlib
import json

import asyncpg

LOCK_CUSTOMER = "SELECT id FROM customers WHERE brand_id = $1 AND id = $2 FOR UPDATE"
LOCK_MEMBERSHIP = (
    "SELECT id, available, pending FROM memberships WHERE brand_id = $1 AND customer_id = $2 "
    "FOR UPDATE"
)
REPLAY = (
    "SELECT id, fingerprint FROM points_transactions WHERE brand_id = $1 AND idempotency_key = $2"
)
PENDING_DUE = (
    "SELECT id, remaining FROM points_transactions "
    "WHERE brand_id = $1 AND customer_id = $2 AND pending_until <= now()"
)
SETTINGS = "SELECT expiry_rule, expiry_days FROM loyalty_settings WHERE brand_id = $1"
CREDIT = (
    "UPDATE memberships SET available = available + $2, lifetime_earned = lifetime_earned + $2 "
    "WHERE id = $1 RETURNING available"
)
LEDGER = (
    "INSERT INTO points_transactions (brand_id, customer_id, kind, amount, balance_after, reason, "
    "source, actor, idempotency_key, fingerprint, lot_points, remaining, created_at) "
    "VALUES ($1, $2, 'EARN', $3, $4, 'bench', 'staff', $5, $6, $7, $3, $3, now()) RETURNING id"
)
AUDIT = (
    "INSERT INTO audit_entries (brand_id, principal_kind, principal_id, operation, target_type, "
    "target_id, request_id, details, created_at) "
    "VALUES ($1, 'app', $2, 'awardPoints', 'Customer', $3, $4, $5, now())"
)
NEXT_SEQ = (
    "UPDATE event_counters SET last_seq = last_seq + 1 WHERE brand_id = $1 RETURNING last_seq"
)
OUTBOX = (
    "INSERT INTO outbox_events (brand_id, seq, type, customer_id, subject_type, subject_id, "
    "payload, actor, request_id, created_at) "
    "VALUES ($1, $2, 'points.changed', $3, 'PointsTransaction', $4, $5, $6, $7, now())"
)


async def award_sql(
    conn: asyncpg.Connection, brand_id: int, app_id: int, customer_id: int, points: int, key: str
) -> int:
    """One award in one transaction, statement for statement what the service sends."""
    actor = f"app:{app_id}"
    fingerprint = hashlib.sha256(f"award:{customer_id}:{points}".encode()).hexdigest()
    async with conn.transaction():
        await conn.fetchval(LOCK_CUSTOMER, brand_id, customer_id)
        membership = await conn.fetchrow(LOCK_MEMBERSHIP, brand_id, customer_id)
        if await conn.fetchrow(REPLAY, brand_id, key) is not None:
            raise RuntimeError("the benchmark never reuses a key")
        if membership["pending"]:  # as the service: no pending points, no lots to release
            await conn.fetch(PENDING_DUE, brand_id, customer_id)
        await conn.fetchrow(SETTINGS, brand_id)
        balance = await conn.fetchval(CREDIT, membership["id"], points)
        ledger_id = await conn.fetchval(
            LEDGER, brand_id, customer_id, points, balance, actor, key, fingerprint
        )
        details = json.dumps({"transaction": ledger_id, "kind": "EARN", "amount": points})
        await conn.execute(AUDIT, brand_id, str(app_id), str(customer_id), key, details)
        seq = await conn.fetchval(NEXT_SEQ, brand_id)
        payload = json.dumps({"kind": "EARN", "amount": points, "balance": balance, "pending": 0})
        await conn.execute(OUTBOX, brand_id, seq, customer_id, str(ledger_id), payload, actor, key)
    return int(ledger_id)


async def ledger_counts(url: str, brand_id: int) -> dict[str, int]:
    """Rows of the ledger, audit log and outbox, and the brand's event counter."""
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            "INSERT INTO event_counters (brand_id, last_seq) VALUES ($1, 0) "
            "ON CONFLICT (brand_id) DO NOTHING",
            brand_id,
        )
        counts = {}
        for table in ("points_transactions", "audit_entries", "outbox_events"):
            sql = f"SELECT count(*) FROM {table} WHERE brand_id = $1"
            counts[table] = int(await conn.fetchval(sql, brand_id))
        seq = "SELECT last_seq FROM event_counters WHERE brand_id = $1"
        counts["last_seq"] = int(await conn.fetchval(seq, brand_id))
        return counts
    finally:
        await conn.close()


BALANCE_MISMATCHES = """
SELECT count(*) FROM memberships m
LEFT JOIN (
  SELECT customer_id, sum(amount) AS total, sum(remaining) FILTER (WHERE pending_until IS NULL)
    AS lots
  FROM points_transactions WHERE brand_id = $1 GROUP BY customer_id
) l ON l.customer_id = m.customer_id
WHERE m.brand_id = $1
  AND (m.available <> coalesce(l.total, 0) OR m.available <> coalesce(l.lots, 0))
"""


async def check_invariants(
    url: str, brand_id: int, before: dict[str, int], after: dict[str, int], requests: int
) -> list[str]:
    """Every member's balance is its ledger; every request wrote one row of each kind."""
    problems = []
    conn = await asyncpg.connect(url)
    try:
        mismatched = int(await conn.fetchval(BALANCE_MISMATCHES, brand_id))
    finally:
        await conn.close()
    if mismatched:
        problems.append(f"{mismatched} memberships whose balance is not the sum of their ledger")
    for name in ("points_transactions", "audit_entries", "outbox_events", "last_seq"):
        added = after[name] - before[name]
        if added != requests:
            problems.append(f"{name}: {added} added for {requests} successful requests")
    return problems
