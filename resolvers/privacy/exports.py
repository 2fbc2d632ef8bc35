"""Customer data exports (jobs of kind privacy.export) and the brand's privacy settings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from auth.context import Context
from resolvers.errors import bad_input
from resolvers.ids import BadGlobalId, decode_id
from resolvers.jobs.files import FileLink, download_link
from resolvers.results import MutationResult, decode_or_error, run
from services.privacy import export_job, reseal_job, sealing
from services.privacy.export import VERSION

if TYPE_CHECKING:
    from models.jobs import Job
    from models.privacy import PrivacySettings

EXPORT_TYPE = "CustomerDataExport"
FORMAT_VERSION = VERSION


async def request_export(context: Context, customer_id: str) -> MutationResult[Job]:
    async def operation() -> Job:
        pk = decode_or_error(customer_id, "Customer", "customerId")
        return await export_job.request_export(context.actor, pk)

    return await run(operation())


async def get_export(context: Context, global_id: str) -> Job | None:
    try:
        pk = decode_id(global_id, EXPORT_TYPE)
    except BadGlobalId as exc:
        raise bad_input(str(exc)) from exc
    return await export_job.get_export(context.require_brand().id, pk)


async def export_by_number(context: Context, pk: int) -> Job | None:
    return await export_job.get_export(context.require_brand().id, pk)


def download(context: Context, job: Job) -> FileLink | None:
    return download_link(context, job)


async def privacy_settings(context: Context) -> bool:
    return await sealing.encrypts(context.require_brand().id)


async def set_encryption(
    context: Context, enabled: bool
) -> MutationResult[tuple[PrivacySettings, Job]]:
    return await run(reseal_job.set_encryption(context.actor, enabled))
