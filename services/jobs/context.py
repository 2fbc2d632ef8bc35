"""What a job handler is given: its job, an actor, progress and checkpoints, cancellation, and
its files.

A handler that works in chunks writes each chunk and its checkpoint in one transaction:

    async with in_transaction():
        ...write the chunk...
        await ctx.save(checkpoint={"offset": offset}, processed=n)

`save` refuses (JobLost) when another worker has taken the job over, so the chunk rolls back
and is done once, by the job's current holder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from config import Settings
from models.jobs import Job
from services.common.actor import Actor
from services.jobs import files, store


class JobLost(Exception):
    """This worker no longer holds the job (its lease ran out and another took it over)."""


class JobCancelled(Exception):
    """Someone asked for the job to stop; the runner records it as CANCELLED."""


class JobInterrupted(Exception):
    """The worker is stopping; the runner gives the job back to the queue to be resumed."""


class JobContext:
    def __init__(self, job: Job, settings: Settings, owner: str) -> None:
        self.job = job
        self.settings = settings
        self.owner = owner
        self.lost = False  # set by the runner's lease renewal
        self.stopping = False  # set by the runner when its worker shuts down
        self._cancel_requested = job.cancel_requested

    @property
    def actor(self) -> Actor:
        """Who started the job, for audit rows and events written by the handler."""
        job = self.job
        return Actor(job.brand_id, job.actor_kind, job.actor_subject, f"job-{job.id}")

    @property
    def parameters(self) -> dict[str, Any]:
        return dict(self.job.parameters or {})

    @property
    def checkpoint(self) -> dict[str, Any]:
        """The last checkpoint saved ({} on the first run): where a resumed job starts."""
        return dict(self.job.checkpoint or {})

    async def save(
        self,
        *,
        checkpoint: dict[str, Any] | None = None,
        total: int | None = None,
        processed: int | None = None,
        succeeded: int | None = None,
        failed: int | None = None,
        result: dict[str, Any] | None = None,
    ) -> None:
        """Record progress (absolute counts) and, if given, the checkpoint; inside the chunk's
        transaction they commit with the chunk. Raises JobLost if the job is no longer ours."""
        if self.lost:
            raise JobLost(f"job {self.job.id} was taken over")
        given = {
            "checkpoint": checkpoint,
            "total": total,
            "processed": processed,
            "succeeded": succeeded,
            "failed": failed,
            "result": result,
        }
        changes = {k: v for k, v in given.items() if v is not None}
        row = await store.save(self.job.id, self.owner, changes)
        if row is None:
            self.lost = True
            raise JobLost(f"job {self.job.id} was taken over")
        self.job = row
        self._cancel_requested = row.cancel_requested

    async def check_cancelled(self) -> None:
        """Between chunks: raise JobCancelled if a cancel was asked for (read from the row),
        JobInterrupted if the worker is stopping, JobLost if the job was taken over."""
        if self.lost:
            raise JobLost(f"job {self.job.id} was taken over")
        if self.stopping:
            raise JobInterrupted(f"job {self.job.id} interrupted by shutdown")
        if not self._cancel_requested:
            self._cancel_requested = await Job.filter(
                id=self.job.id, cancel_requested=True
            ).exists()
        if self._cancel_requested:
            raise JobCancelled(f"job {self.job.id} was cancelled")

    # files

    def path(self, name: str) -> Path:
        """A file of this job (its directory is created); write it in chunks."""
        target = files.path_of(self.settings, self.job.brand_id, self.job.id, name)
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    @property
    def input_path(self) -> Path | None:
        name = self.job.input_file
        return None if name is None else self.path(name)

    async def set_files(self, *, output: str | None = None, errors: str | None = None) -> None:
        """Publish files written with `path` as the job's result or failed rows: downloadable
        with a signed URL (services.jobs.jobs.download_url) from then on."""
        changes = {"output_file": output, "error_file": errors}
        await self.save_columns({k: v for k, v in changes.items() if v is not None})

    async def save_columns(self, changes: dict[str, Any]) -> None:
        row = await store.save(self.job.id, self.owner, changes)
        if row is None:
            self.lost = True
            raise JobLost(f"job {self.job.id} was taken over")
        self.job = row
