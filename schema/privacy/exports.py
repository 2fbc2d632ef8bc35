"""A customer's data export (a background job, then a short-lived signed download URL) and the
brand's privacy settings."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import strawberry

from auth.context import Info
from auth.permissions import requires
from auth.scopes import Scope
from resolvers.ids import to_global_id
from resolvers.privacy import exports
from schema.common import Node, UserError, argument_or_input, local_time, user_errors
from schema.jobs.types import FileUrlType, JobState

if TYPE_CHECKING:
    from models.jobs import Job
else:
    # strawberry evaluates the Private annotations: at run time the model is any object
    Job = object

MANAGE = requires(Scope.PRIVACY_MANAGE)


@strawberry.type(description="A customer's data as one JSON document (docs/privacy.md).")
class CustomerDataExport(Node):
    state: JobState
    customer_id: strawberry.ID
    format_version: int = strawberry.field(description="The document's format version.")
    sections_done: int = strawberry.field(description="Sections written so far.")
    sections_total: int | None
    error: str | None
    model: strawberry.Private[Job]

    @strawberry.field
    def requested_at(self, info: Info) -> datetime:
        return local_time(info, self.model.created_at)

    @strawberry.field
    def finished_at(self, info: Info) -> datetime | None:
        value = self.model.finished_at
        return local_time(info, value) if value else None

    @strawberry.field(
        description="GET this URL (no token needed) for the document; signed for a short time, "
        "ask again for a fresh one. Null until the export has succeeded."
    )
    def download(self, info: Info) -> FileUrlType | None:
        if self.model.state != "SUCCEEDED":
            return None
        return FileUrlType.of(exports.download(info.context, self.model))

    @classmethod
    def from_model(cls, job: Job) -> CustomerDataExport:
        customer = int((job.parameters or {}).get("customerId") or 0)
        return cls(
            id=strawberry.ID(to_global_id(exports.EXPORT_TYPE, job.id)),
            state=JobState(job.state),
            customer_id=strawberry.ID(to_global_id("Customer", customer)),
            format_version=exports.FORMAT_VERSION,
            sections_done=job.processed,
            sections_total=job.total,
            error=job.error,
            model=job,
        )


@strawberry.input
class ExportCustomerDataInput:
    customer_id: strawberry.ID


@strawberry.type
class ExportCustomerDataPayload:
    export: CustomerDataExport | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type(description="A brand's choices about personal data at rest.")
class PrivacySettings:
    encrypt_contacts: bool = strawberry.field(
        description="Phone and email encrypted at rest, looked up by keyed hash."
    )


@strawberry.input
class SetPrivacySettingsInput:
    encrypt_contacts: bool


@strawberry.type
class SetPrivacySettingsPayload:
    settings: PrivacySettings | None = None
    conversion_job_id: strawberry.ID | None = strawberry.field(
        default=None, description="The job converting the brand's existing customers."
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class PrivacyQueries:
    @strawberry.field(extensions=MANAGE, description="An export's state and, once done, its URL.")
    async def customer_data_export(
        self, info: Info, id: strawberry.ID
    ) -> CustomerDataExport | None:
        found = await exports.get_export(info.context, id)
        return CustomerDataExport.from_model(found) if found else None

    @strawberry.field(extensions=requires(Scope.ADMIN))
    async def privacy_settings(self, info: Info) -> PrivacySettings:
        return PrivacySettings(encrypt_contacts=await exports.privacy_settings(info.context))


@strawberry.type
class PrivacyMutations:
    @strawberry.mutation(
        extensions=MANAGE,
        description="Start exporting everything the brand holds about a customer; poll "
        "customerDataExport(id) for its state and download URL.",
    )
    async def export_customer_data(
        self,
        info: Info,
        customer_id: strawberry.ID | None = None,
        input: ExportCustomerDataInput | None = None,
    ) -> ExportCustomerDataPayload:
        chosen, refused = argument_or_input("customerId", customer_id, input and input.customer_id)
        if refused:
            return ExportCustomerDataPayload(errors=refused)
        result = await exports.request_export(info.context, chosen)
        found = CustomerDataExport.from_model(result.value) if result.value else None
        return ExportCustomerDataPayload(export=found, errors=user_errors(result.errors))

    @strawberry.mutation(
        extensions=requires(Scope.ADMIN),
        description="Encrypt phone and email at rest (or stop); existing customers are "
        "converted by a background job.",
    )
    async def set_privacy_settings(
        self, info: Info, input: SetPrivacySettingsInput
    ) -> SetPrivacySettingsPayload:
        result = await exports.set_encryption(info.context, input.encrypt_contacts)
        if result.value is None:
            return SetPrivacySettingsPayload(errors=user_errors(result.errors))
        settings, job = result.value
        return SetPrivacySettingsPayload(
            settings=PrivacySettings(encrypt_contacts=settings.encrypt_contacts),
            conversion_job_id=strawberry.ID(to_global_id("Job", job.id)),
        )
