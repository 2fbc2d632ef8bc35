"""The job row's state changes, each one statement that checks who holds the job.

Claiming takes the oldest runnable job: QUEUED (and not waiting for its upload), or RUNNING
under a lease that ran out (its worker died). On PostgreSQL concurrent claimers skip each
other's candidate rows (`FOR UPDATE SKIP LOCKED`) and never wait or take the same job; SQLite
runs the statement in a write transaction, which serialises writers. Every later change names
the lease owner: a worker whose job was taken over changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise import Tortoise
from tortoise.transactions import in_transaction

from models.jobs import FINISHED, QUEUED, RUNNING, Job
from models.rows import db_value, model_from_row, to_postgres
from models.statements import fetch_rows


def utcnow() -> datetime:
    return datetime.now(UTC)


def _at(value: datetime) -> Any:
    return db_value(Job, "lease_expires_at", value)


async def _returning(sql: str, params: list[Any]) -> Job | None:
    conn = Tortoise.get_connection("default")
    on_postgres = conn.capabilities.dialect == "postgres"
    found = await fetch_rows(conn, to_postgres(sql) if on_postgres else sql, params)
    return model_from_row(Job, found[0]) if found else None


def _claim_sql(kind_count: int, on_postgres: bool) -> str:
    kinds = ", ".join("?" * kind_count)
    lock = " FOR UPDATE SKIP LOCKED" if on_postgres else ""
    return (
        "UPDATE jobs SET state = 'RUNNING', lease_owner = ?, lease_expires_at = ?,"
        " attempts = attempts + 1, started_at = COALESCE(started_at, ?), updated_at = ?"
        " WHERE id = (SELECT id FROM jobs WHERE kind IN (" + kinds + ") AND"
        " ((state = 'QUEUED' AND awaiting_input = ?)"
        " OR (state = 'RUNNING' AND lease_expires_at < ?))"
        " ORDER BY id LIMIT 1" + lock + ")"
        " AND (state = 'QUEUED' OR lease_expires_at < ?) RETURNING *"
    )


async def claim(owner: str, lease_seconds: float, kinds: Sequence[str]) -> Job | None:
    """Take the oldest runnable job of these kinds for `owner`, or None."""
    if not kinds:
        return None
    now = utcnow()
    lease = _at(now + timedelta(seconds=lease_seconds))
    at = _at(now)
    async with in_transaction() as conn:
        on_postgres = conn.capabilities.dialect == "postgres"
        sql = _claim_sql(len(kinds), on_postgres)
        return await _returning(sql, [owner, lease, at, at, *kinds, False, at, at])


async def claim_job(job_id: int, owner: str, lease_seconds: float) -> Job | None:
    """Take this job for `owner` if it is runnable (a CLI running one job in the foreground)."""
    now = utcnow()
    at = _at(now)
    async with in_transaction():
        return await _returning(
            "UPDATE jobs SET state = 'RUNNING', lease_owner = ?, lease_expires_at = ?,"
            " attempts = attempts + 1, started_at = COALESCE(started_at, ?), updated_at = ?"
            " WHERE id = ? AND ((state = 'QUEUED' AND awaiting_input = ?)"
            " OR (state = 'RUNNING' AND lease_expires_at < ?)) RETURNING *",
            [owner, _at(now + timedelta(seconds=lease_seconds)), at, at, job_id, False, at],
        )


async def renew(job_id: int, owner: str, lease_seconds: float) -> bool:
    """Extend the lease; False when the job is no longer this owner's."""
    expires = _at(utcnow() + timedelta(seconds=lease_seconds))
    row = await _returning(
        "UPDATE jobs SET lease_expires_at = ? WHERE id = ? AND lease_owner = ? AND state = ?"
        " RETURNING *",
        [expires, job_id, owner, RUNNING],
    )
    return row is not None


async def save(job_id: int, owner: str, changes: dict[str, Any]) -> Job | None:
    """Write progress (columns of `jobs`) if `owner` still holds the job; the updated row."""
    columns = sorted(changes)
    for column in columns:
        if column not in Job._meta.fields_db_projection_reverse:
            raise ValueError(f"jobs has no column {column}")
    values = [db_value(Job, c, changes[c]) for c in columns]
    assignments = ", ".join(f"{c} = ?" for c in [*columns, "updated_at"])
    return await _returning(
        f"UPDATE jobs SET {assignments} WHERE id = ? AND lease_owner = ? AND state = ? RETURNING *",
        [*values, _at(utcnow()), job_id, owner, RUNNING],
    )


async def finish(
    job_id: int, owner: str, state: str, result: dict[str, Any] | None, error: str | None
) -> Job | None:
    """End the job held by `owner` (call inside the transaction of the finish hook)."""
    assert state in FINISHED
    changes: dict[str, Any] = {
        "state": state,
        "error": error,
        "finished_at": utcnow(),
        "lease_owner": None,
        "lease_expires_at": None,
    }
    if result is not None:
        changes["result"] = result
    return await save(job_id, owner, changes)


async def release(job: Job, owner: str) -> bool:
    """Give a job back to the queue (the worker is stopping): another worker resumes it from
    its checkpoint at once rather than after the lease, and the attempt does not count."""
    changes = {
        "state": QUEUED,
        "lease_owner": None,
        "lease_expires_at": None,
        "attempts": max(job.attempts - 1, 0),
    }
    return await save(job.id, owner, changes) is not None
