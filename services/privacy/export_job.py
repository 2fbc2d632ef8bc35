"""The `privacy.export` job: a customer's data export written to the job's file, one section
at a time; a resumed job starts again at the section after its checkpoint (the file cut back
to the checkpoint's length, so nothing is written twice)."""

from __future__ import annotations

from typing import Any

from tortoise.transactions import in_transaction

from events.outbox import emit
from models import Brand
from models.jobs import Job
from services.common import audit
from services.common.actor import Actor
from services.jobs import jobs, registry
from services.jobs.context import JobContext
from services.privacy import export

KIND = "privacy.export"


def file_name(customer_id: int) -> str:
    return f"customer-{customer_id}-export.json"


async def run(ctx: JobContext) -> dict[str, Any]:
    customer_id = int(ctx.parameters["customerId"])
    brand = await Brand.get(id=ctx.job.brand_id)
    await export.require_customer(brand.id, customer_id)
    found = export.sections()
    start = int(ctx.checkpoint.get("section", 0))
    offset = int(ctx.checkpoint.get("offset", 0))
    name = file_name(customer_id)
    path = ctx.path(name)
    with path.open("r+b" if start else "wb") as out:
        if start:
            out.truncate(offset)
            out.seek(offset)
        else:
            out.write(export.header(brand, customer_id))
        for index in range(start, len(found)):
            await ctx.check_cancelled()
            async for piece in export.section_bytes(
                found[index], brand.id, customer_id, index == 0
            ):
                out.write(piece)
            out.flush()
            await ctx.save(
                checkpoint={"section": index + 1, "offset": out.tell()},
                processed=index + 1,
                total=len(found),
            )
        out.write(export.FOOTER)
        size = out.tell()
    await ctx.set_files(output=name)
    return {"sections": len(found), "bytes": size, "version": export.VERSION}


async def finished(ctx: JobContext, job: Job) -> None:
    """customer.data_export_finished, in the transaction that records the job's end."""
    await emit(
        ctx.actor,
        "customer.data_export_finished",
        customer_id=int(job.parameters.get("customerId") or 0) or None,
        subject=("CustomerDataExport", job.id),
        payload={"state": job.state},
    )


registry.register(KIND, run, on_finished=finished)


async def request_export(actor: Actor, customer_id: int) -> Job:
    """Queue an export of the customer (erased ones too: theirs shows what was kept)."""
    await export.require_customer(actor.brand_id, customer_id)
    async with in_transaction():
        job = await jobs.create_job(actor, KIND, {"customerId": customer_id})
        await audit.record(actor, "exportCustomerData", "Customer", customer_id, {"job": job.id})
        await emit(
            actor,
            "customer.data_export_requested",
            customer_id=customer_id,
            subject=("CustomerDataExport", job.id),
            payload={"state": job.state},
        )
    return job


async def get_export(brand_id: int, export_id: int) -> Job | None:
    return await jobs.get_job(brand_id, export_id, kinds=[KIND])
