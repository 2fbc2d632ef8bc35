"""Call-level idempotency of bulk mutations: with an `idempotencyKey`, the first call's answer
is stored with what it wrote, in the same transaction; a retry with the same key and rows gets
that answer again and writes nothing; the same key with other rows is IDEMPOTENCY_KEY_REUSED.
A call that wrote nothing (REJECT_EVERYTHING with a failing row) leaves its key free.

A call that wrote something is audited once under its own name (target the brand: how many
rows, how many wrote), beside the rows' own audit rows."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from models.bulk import BulkCall
from services.bulk.policy import RowResult
from services.common import audit
from services.common.actor import Actor
from services.common.errors import DomainError, ErrorCode, FieldError

MAX_KEY = 200
T = TypeVar("T")


def fingerprint(operation: str, policy: str, rows: Any) -> str:
    raw = json.dumps({"op": operation, "policy": policy, "rows": rows}, sort_keys=True, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def check_key(key: str | None) -> str | None:
    if key is None:
        return None
    if not 1 <= len(key.strip()) <= MAX_KEY:
        raise DomainError.single(
            "idempotencyKey", ErrorCode.INVALID, f"idempotencyKey must be 1-{MAX_KEY} characters"
        )
    return key.strip()


async def earlier(actor: Actor, operation: str, key: str, fp: str) -> BulkCall | None:
    found = await BulkCall.get_or_none(
        brand_id=actor.brand_id, operation=operation, idempotency_key=key
    )
    if found is not None and found.fingerprint != fp:
        raise DomainError.single(
            "idempotencyKey",
            ErrorCode.IDEMPOTENCY_KEY_REUSED,
            "this idempotency key was used for a different call",
        )
    return found


def _error(e: FieldError) -> dict[str, Any]:
    return {"field": e.field, "code": e.code.value, "message": e.message, "related": e.related_id}


async def store(
    actor: Actor,
    operation: str,
    key: str,
    fp: str,
    results: list[RowResult[Any]],
    ident: Any,
) -> None:
    """Record the answer (call inside the bulk transaction); `ident(value)` -> (id, outcome)."""
    rows = []
    for r in results:
        pk, outcome = ident(r.value) if r.value is not None else (None, None)
        rows.append(
            {
                "index": r.index,
                "id": pk,
                "outcome": outcome,
                "errors": [_error(e) for e in r.errors],
                "skipped": r.skipped,
            }
        )
    await BulkCall.create(
        brand_id=actor.brand_id,
        operation=operation,
        idempotency_key=key,
        fingerprint=fp,
        results=rows,
        actor=actor.label,
    )


def stored_errors(row: dict[str, Any]) -> list[FieldError]:
    return [
        FieldError(e["field"], ErrorCode(e["code"]), e["message"], e.get("related"))
        for e in row.get("errors") or []
    ]


Ident = Callable[[Any], tuple[int, str | None]]
Loader = Callable[[list[dict[str, Any]]], Awaitable[list[Any]]]


async def replay(found: BulkCall, load: Loader) -> list[RowResult[Any]]:
    """The stored answer, with the objects read again as they are now."""
    stored = sorted(found.results, key=lambda r: int(r["index"]))
    values = await load(stored)
    return [
        RowResult(int(row["index"]), value, stored_errors(row), bool(row.get("skipped")))
        for row, value in zip(stored, values, strict=True)
    ]


async def execute(
    actor: Actor,
    operation: str,
    key: str | None,
    fp: str,
    run: Callable[[], Awaitable[list[RowResult[T]]]],
    ident: Ident,
    load: Loader,
) -> list[RowResult[T]]:
    """Run the rows (`run`, e.g. policy.run_rows) once per key: the answer is stored in the
    same transaction as the rows it wrote."""
    key = check_key(key)
    if key is not None and (found := await earlier(actor, operation, key, fp)) is not None:
        return await replay(found, load)
    try:
        async with in_transaction():
            results = await run()
            if key is not None and any(r.written for r in results):
                await store(actor, operation, key, fp, results, ident)
            wrote = sum(r.wrote for r in results)
            if wrote:  # the rows audited themselves as the single operation; this is the call
                details = {
                    "rows": len(results),
                    "written": wrote,
                    "idempotencyKey": key is not None,
                }
                await audit.record(actor, operation, "Brand", actor.brand_id, details)
    except IntegrityError:
        # a concurrent twin of this call stored the same key first
        if key is None or (found := await earlier(actor, operation, key, fp)) is None:
            raise
        return await replay(found, load)
    return results
