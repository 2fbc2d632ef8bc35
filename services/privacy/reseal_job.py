"""The `privacy.reseal_contacts` job: after a brand opts in or out of encryption at rest (or
the current data key changes), rewrite its customers' phone and email to match, in batches,
each batch and its checkpoint in one transaction (services/privacy/sealing.reseal_batch)."""

from __future__ import annotations

from typing import Any

from tortoise.transactions import in_transaction

from models.jobs import Job
from models.privacy import PrivacySettings
from services.common.actor import Actor
from services.jobs import jobs, registry
from services.jobs.context import JobContext
from services.privacy import sealing

KIND = "privacy.reseal_contacts"


async def run(ctx: JobContext) -> dict[str, Any]:
    sealed = bool(ctx.parameters["encrypt"])
    after = int(ctx.checkpoint.get("afterId", 0))
    rewritten = int(ctx.checkpoint.get("rewritten", 0))
    processed = ctx.job.processed
    while True:
        await ctx.check_cancelled()
        async with in_transaction():
            count, last = await sealing.reseal_batch(ctx.job.brand_id, sealed, after)
            if last is None:
                break
            after, rewritten = last, rewritten + count
            processed += sealing.BATCH
            await ctx.save(
                checkpoint={"afterId": after, "rewritten": rewritten}, processed=processed
            )
    return {"rewritten": rewritten, "encrypt": sealed}


async def set_encryption(actor: Actor, enabled: bool) -> tuple[PrivacySettings, Job]:
    """Opt in or out, and queue the conversion of the brand's existing rows."""
    async with in_transaction():
        settings = await sealing.set_encryption(actor, enabled)
        job = await jobs.create_job(actor, KIND, {"encrypt": enabled})
    return settings, job


registry.register(KIND, run)
