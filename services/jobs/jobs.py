"""Jobs as other domains use them: start one, read it, cancel it, receive its input file and
hand out URLs for its files. The domain writes its own audit row and event around these."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from tortoise.transactions import in_transaction

from config import Settings
from models.jobs import CANCELLED, FINISHED, QUEUED, Job
from services.common import audit
from services.common.actor import Actor
from services.common.errors import DomainError, ErrorCode
from services.jobs import registry, signing
from services.jobs.store import utcnow

# The runners of this process, woken when a job becomes runnable here.
_WAKERS: set[asyncio.Event] = set()


def register_waker(event: asyncio.Event) -> None:
    _WAKERS.add(event)


def unregister_waker(event: asyncio.Event) -> None:
    _WAKERS.discard(event)


def wake_runners() -> None:
    for event in list(_WAKERS):
        event.set()


async def create_job(
    actor: Actor,
    kind: str,
    parameters: dict[str, Any] | None = None,
    *,
    awaiting_input: bool = False,
    total: int | None = None,
) -> Job:
    """Queue a job of a registered kind; with `awaiting_input` it runs once its input file is
    uploaded. Call inside the domain's transaction (with its audit row)."""
    registry.get(kind)  # UnknownJobKind: a programming error, not a user's
    job = await Job.create(
        brand_id=actor.brand_id,
        kind=kind,
        state=QUEUED,
        parameters=parameters or {},
        awaiting_input=awaiting_input,
        total=total,
        actor_kind=actor.kind,
        actor_subject=actor.subject,
        request_id=actor.request_id,
    )
    if not awaiting_input:
        wake_runners()
    return job


async def get_job(brand_id: int, job_id: int, kinds: Sequence[str] | None = None) -> Job | None:
    """The brand's job, or None (another brand's job is not found)."""
    query = Job.filter(brand_id=brand_id, id=job_id)
    if kinds is not None:
        query = query.filter(kind__in=list(kinds))
    return await query.first()


async def cancel_job(actor: Actor, job_id: int, kinds: Sequence[str] | None = None) -> Job:
    """A queued job is cancelled at once; a running one at its next check. Audited."""
    job = await get_job(actor.brand_id, job_id, kinds)
    if job is None:
        raise DomainError.single("id", ErrorCode.NOT_FOUND, "job not found")
    if job.state in FINISHED:
        raise DomainError.single("id", ErrorCode.CONFLICT, f"the job is already {job.state}")
    now = utcnow()
    async with in_transaction():
        await Job.filter(id=job.id, state=QUEUED).update(
            state=CANCELLED, cancel_requested=True, finished_at=now, updated_at=now
        )
        await Job.filter(id=job.id).update(cancel_requested=True, updated_at=now)
        await audit.record(actor, "cancelJob", "Job", job.id, {"kind": job.kind})
    refreshed = await Job.get(id=job.id)
    return refreshed


async def input_received(job: Job, name: str, size: int) -> bool:
    """Called when the input file is stored: the job becomes runnable. False if the job no
    longer waits for input (a second upload, or it was cancelled)."""
    updated = await Job.filter(id=job.id, state=QUEUED, awaiting_input=True).update(
        awaiting_input=False, input_file=name, input_bytes=size, updated_at=utcnow()
    )
    if updated:
        wake_runners()
    return bool(updated)


def upload_url(settings: Settings, job: Job, ttl_seconds: int | None = None) -> signing.SignedURL:
    return signing.sign(settings, job.brand_id, job.id, "input", ttl_seconds)


def download_url(
    settings: Settings, job: Job, purpose: str = "output", ttl_seconds: int | None = None
) -> signing.SignedURL | None:
    """A signed GET URL for the job's result (`output`) or failed rows (`errors`), or None
    while that file does not exist yet."""
    name = job.output_file if purpose == "output" else job.error_file
    if name is None:
        return None
    return signing.sign(settings, job.brand_id, job.id, purpose, ttl_seconds)


def expires_at(url: signing.SignedURL) -> datetime:
    return datetime.fromtimestamp(url.expires_at, tz=utcnow().tzinfo)
