"""Set-based SQL for coupons, written once for SQLite and PostgreSQL (`?` placeholders)."""

from __future__ import annotations

import base64
import json
import secrets
from datetime import datetime
from typing import Any

from tortoise import Tortoise
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import F

from models.events import BrandEventCounter
from services.common.actor import Actor
from services.privacy import consents

# Crockford's base32 (no I, L, O, U): 12 symbols = 60 random bits from `secrets`.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 12
_FROM_B32 = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", ALPHABET)
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1", "-": None, " ": None})


def new_codes(count: int) -> list[str]:
    """`count` random codes, in bulk: 15 random bytes make two 12-symbol codes."""
    raw = base64.b32encode(secrets.token_bytes(15 * ((count + 1) // 2))).decode()
    text = raw.translate(_FROM_B32)
    return [text[i : i + CODE_LENGTH] for i in range(0, count * CODE_LENGTH, CODE_LENGTH)]


def new_code() -> str:
    return new_codes(1)[0]


def normalize_code(code: str) -> str:
    """As typed at a till: any case, with dashes or spaces, O for 0 and I or L for 1."""
    return code.strip().upper().translate(_READ_AS)


def _conn() -> BaseDBAsyncClient:
    return Tortoise.get_connection("default")


def is_postgres() -> bool:
    return _conn().capabilities.dialect == "postgres"


def _dialect(sql: str) -> str:
    if not is_postgres():
        return sql
    parts = sql.split("?")
    out = parts[0]
    for i, part in enumerate(parts[1:], start=1):
        out += f"${i}{part}"
    return out


async def fetch(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    """Rows of one statement (inside the caller's transaction when there is one)."""
    _, rows = await _conn().execute_query(_dialect(sql), params)
    return [tuple(row.values()) if isinstance(row, dict) else tuple(row) for row in rows]


async def execute(sql: str, params: list[Any]) -> int:
    count, _ = await _conn().execute_query(_dialect(sql), params)
    return int(count or 0)


def id_list(ids: list[int]) -> tuple[str, list[Any]]:
    """A one-column (id) row source from a list of ids, with one parameter."""
    if is_postgres():
        return "SELECT unnest(CAST(? AS bigint[])) AS id", [ids]
    return "SELECT CAST(value AS INTEGER) AS id FROM json_each(?)", [json.dumps(ids)]


def birth_month_sql() -> str:
    if is_postgres():
        return "CAST(EXTRACT(MONTH FROM c.birthday) AS INTEGER)"
    return "CAST(strftime('%m', c.birthday) AS INTEGER)"


async def insert_coupons(
    actor: Actor,
    offer_id: int,
    rows: list[tuple[int, str | None]],
    *,
    issued_at: datetime,
    expires_at: datetime | None,
    issue_id: int | None,
    source: str,
) -> int:
    """Insert one ISSUED coupon per (customer_id, period) and its coupon.issued event."""
    if not rows:
        return 0
    customers = [r[0] for r in rows]
    periods = [r[1] for r in rows]
    codes = new_codes(len(rows))
    head = (
        "INSERT INTO coupons (brand_id, offer_id, customer_id, code, status, issued_at,"
        " expires_at, issue_id, period, source) "
    )
    fixed = [actor.brand_id, offer_id]
    if is_postgres():
        await execute(
            head + "SELECT ?, ?, t.c, t.k, 'ISSUED', ?, ?, ?, t.p, ? FROM unnest("
            "CAST(? AS bigint[]), CAST(? AS text[]), CAST(? AS text[])) AS t(c, k, p)",
            [*fixed, issued_at, expires_at, issue_id, source, customers, codes, periods],
        )
    else:
        chunk = 2000
        everything = list(zip(customers, codes, periods, strict=True))
        for start in range(0, len(rows), chunk):
            triples = everything[start : start + chunk]
            await execute(
                head + "SELECT ?, ?, json_extract(value, '$[0]'), json_extract(value, '$[1]'),"
                " 'ISSUED', ?, ?, ?, json_extract(value, '$[2]'), ? FROM json_each(?)",
                [*fixed, issued_at, expires_at, issue_id, source, json.dumps(triples)],
            )
    await _emit_issued(actor, offer_id, codes, issued_at)
    return len(rows)


async def _emit_issued(actor: Actor, offer_id: int, codes: list[str], at: datetime) -> None:
    """One coupon.issued outbox row per coupon, numbered after the brand's counter in one go."""
    n = len(codes)
    counter = BrandEventCounter.filter(brand_id=actor.brand_id)
    if not await counter.update(last_seq=F("last_seq") + n):
        await BrandEventCounter.bulk_create(
            [BrandEventCounter(brand_id=actor.brand_id, last_seq=0)], ignore_conflicts=True
        )
        await counter.update(last_seq=F("last_seq") + n)
    last = (await BrandEventCounter.get(brand_id=actor.brand_id)).last_seq
    base = int(last) - n
    payload = "jsonb_build_object" if is_postgres() else "json_object"
    channels = consents.channels_sql("k.customer_id", is_postgres())  # where to notify them
    code_source, params = _codes_source(codes)
    await execute(
        "INSERT INTO outbox_events (brand_id, seq, type, customer_id, subject_type, subject_id,"
        " payload, actor, request_id, created_at)"
        f" SELECT k.brand_id, ? + ROW_NUMBER() OVER (ORDER BY k.id), 'coupon.issued',"
        f" k.customer_id, 'Coupon', CAST(k.id AS VARCHAR(64)),"
        f" {payload}('offerId', k.offer_id, 'couponId', k.id, 'channels', {channels}), ?, ?, ?"
        f" FROM coupons k WHERE k.brand_id = ? AND k.offer_id = ? AND k.code IN ({code_source})",
        [base, actor.label, actor.request_id, at, actor.brand_id, offer_id, *params],
    )


def _codes_source(codes: list[str]) -> tuple[str, list[Any]]:
    if is_postgres():
        return "SELECT unnest(CAST(? AS text[]))", [codes]
    return "SELECT value FROM json_each(?)", [json.dumps(codes)]
