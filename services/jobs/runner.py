"""The runner each worker process starts with the app: claims runnable jobs of the kinds it
knows, one at a time, runs their handlers, renews their leases, and records how they ended."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid

from tortoise.transactions import in_transaction

from config import Settings
from models.jobs import CANCELLED, FAILED, SUCCEEDED, Job
from services.jobs import jobs, registry, store
from services.jobs.context import JobCancelled, JobContext, JobInterrupted, JobLost

log = logging.getLogger("crm.jobs")
MAX_ERROR = 2000
STOP_GRACE_SECONDS = 5.0


def worker_id() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class JobRunner:
    def __init__(self, settings: Settings, owner: str | None = None) -> None:
        self.settings = settings
        self.owner = owner or worker_id()
        self.waker = asyncio.Event()
        self.stopped = False
        self.current: JobContext | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def lease_seconds(self) -> float:
        return self.settings.jobs_lease_seconds

    async def run_once(self) -> Job | None:
        """Claim and run one job; the job as it ended, or None when nothing was runnable."""
        job = await store.claim(self.owner, self.lease_seconds, registry.names())
        if job is None:
            return None
        return await self._run(job)

    async def run_job(self, job_id: int) -> Job | None:
        """Claim and run this job now, in the caller's task; None if it is not runnable."""
        job = await store.claim_job(job_id, self.owner, self.lease_seconds)
        if job is None:
            return None
        return await self._run(job)

    async def _run(self, job: Job) -> Job:
        kind = registry.get(job.kind)
        ctx = JobContext(job, self.settings, self.owner)
        if job.attempts > kind.max_attempts:
            error = f"gave up after {kind.max_attempts} attempts (its worker stopped each time)"
            return await self._finish(ctx, FAILED, None, error)
        self.current = ctx
        renewal = asyncio.create_task(self._renew(ctx), name=f"crm-job-lease-{job.id}")
        try:
            result = await kind.run(ctx)
            return await self._finish(ctx, SUCCEEDED, result or {}, None)
        except JobCancelled:
            return await self._finish(ctx, CANCELLED, None, "cancelled")
        except JobLost:
            log.warning("job %s was taken over by another worker", job.id)
            return ctx.job
        except JobInterrupted:
            await store.release(ctx.job, self.owner)
            return ctx.job
        except Exception as exc:
            log.exception("job %s (%s) failed", job.id, job.kind)
            return await self._finish(ctx, FAILED, None, f"{type(exc).__name__}: {exc}")
        finally:
            self.current = None
            renewal.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewal

    async def _finish(
        self, ctx: JobContext, state: str, result: dict[str, object] | None, error: str | None
    ) -> Job:
        kind = registry.get(ctx.job.kind)
        try:
            async with in_transaction():
                ended = await store.finish(
                    ctx.job.id, self.owner, state, result, error and error[:MAX_ERROR]
                )
                if ended is None:
                    raise JobLost(f"job {ctx.job.id} was taken over")
                ctx.job = ended
                if kind.on_finished is not None:
                    await kind.on_finished(ctx, ended)
        except JobLost:
            log.warning("job %s was taken over before it could finish here", ctx.job.id)
        return ctx.job

    async def _renew(self, ctx: JobContext) -> None:
        interval = max(self.lease_seconds / 3, 0.05)
        while True:
            await asyncio.sleep(interval)
            try:
                if not await store.renew(ctx.job.id, self.owner, self.lease_seconds):
                    ctx.lost = True
                    return
            except Exception:  # a database hiccup: try again before the lease runs out
                log.exception("renewing the lease of job %s failed", ctx.job.id)

    async def run(self) -> None:
        jobs.register_waker(self.waker)
        try:
            while not self.stopped:
                try:
                    ran = await self.run_once()
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("job runner failed; retrying")
                    ran = None
                    await asyncio.sleep(1.0)
                if ran is not None:
                    continue
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.waker.wait(), self.settings.jobs_poll_seconds)
                self.waker.clear()
        finally:
            jobs.unregister_waker(self.waker)

    async def start(self) -> None:
        registry.load_kind_modules()
        self._task = asyncio.create_task(self.run(), name="crm-job-runner")

    async def stop(self) -> None:
        """Ask the running handler to stop at its next check (its job goes back to the queue),
        wait a little, then cancel; an abandoned job is resumed after its lease."""
        self.stopped = True
        self.waker.set()
        if self.current is not None:
            self.current.stopping = True
        if self._task is None:
            return
        await asyncio.wait([self._task], timeout=STOP_GRACE_SECONDS)
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._task
        self._task = None
