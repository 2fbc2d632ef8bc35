from __future__ import annotations

from collections.abc import Sequence
from contextvars import ContextVar
from typing import Any

from models import AuditEntry, rows
from services.common.actor import Actor

# Audit rows this task has written so far. Every write is audited, so a caller that runs other
# operations (a bulk call's rows, an upsert's create or update) compares two readings of
# `rows_written()` to learn whether they wrote anything, a replay or no-op writing nothing.
_WRITTEN: ContextVar[int] = ContextVar("audit_rows_written", default=0)


def rows_written() -> int:
    return _WRITTEN.get()


async def record(
    actor: Actor,
    operation: str,
    target_type: str,
    target_id: int | str | None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Write one audit row; call inside the mutation's transaction."""
    _WRITTEN.set(_WRITTEN.get() + 1)
    return await rows.insert(
        AuditEntry,
        {
            "brand_id": actor.brand_id,
            "principal_kind": actor.kind,
            "principal_id": actor.subject,
            "operation": operation,
            "target_type": target_type,
            "target_id": None if target_id is None else str(target_id),
            "request_id": actor.request_id,
            "details": details or {},
        },
    )


async def record_many(
    actor: Actor,
    operation: str,
    target_type: str,
    target_ids: list[int],
    details: dict[str, Any] | None = None,
) -> None:
    """One audit row per target, in a single INSERT."""
    _WRITTEN.set(_WRITTEN.get() + len(target_ids))
    await AuditEntry.bulk_create(
        [
            AuditEntry(
                brand_id=actor.brand_id,
                principal_kind=actor.kind,
                principal_id=actor.subject,
                operation=operation,
                target_type=target_type,
                target_id=str(target_id),
                request_id=actor.request_id,
                details=details or {},
            )
            for target_id in target_ids
        ]
    )


async def record_rows(
    actor: Actor,
    operation: str,
    target_type: str,
    targets: Sequence[tuple[int | str, dict[str, Any] | None]],
) -> None:
    """One audit row per (target id, details), in multi-row INSERTs: `record` for a set."""
    _WRITTEN.set(_WRITTEN.get() + len(targets))
    await rows.insert_many(
        AuditEntry,
        [
            {
                "brand_id": actor.brand_id,
                "principal_kind": actor.kind,
                "principal_id": actor.subject,
                "operation": operation,
                "target_type": target_type,
                "target_id": str(target_id),
                "request_id": actor.request_id,
                "details": details or {},
            }
            for target_id, details in targets
        ],
    )


async def record_each(
    actor: Actor, entries: Sequence[tuple[str, str, int | str, dict[str, Any] | None]]
) -> None:
    """`record` for each (operation, target type, target id, details), in order, in multi-row
    INSERTs: a set-based change whose rows are each audited as the operation alone would be."""
    _WRITTEN.set(_WRITTEN.get() + len(entries))
    await rows.insert_many(
        AuditEntry,
        [
            {
                "brand_id": actor.brand_id,
                "principal_kind": actor.kind,
                "principal_id": actor.subject,
                "operation": operation,
                "target_type": target_type,
                "target_id": str(target_id),
                "request_id": actor.request_id,
                "details": details or {},
            }
            for operation, target_type, target_id, details in entries
        ],
    )
