from __future__ import annotations

from typing import Any

from models import AuditEntry, rows
from services.common.actor import Actor


async def record(
    actor: Actor,
    operation: str,
    target_type: str,
    target_id: int | str | None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Write one audit row; call inside the mutation's transaction."""
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
