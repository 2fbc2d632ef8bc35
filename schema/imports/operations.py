"""`startImport`, `importJob`, `importTemplate`, `startExport`, `exportJob`
(docs/onboarding.md, "Imports and exports")."""

from __future__ import annotations

from datetime import datetime

import strawberry

from auth.context import Info
from auth.permissions import requires
from auth.scopes import Scope
from resolvers.imports import jobs as resolvers
from schema.bulk.inputs import ErrorPolicy
from schema.common import UserError, user_errors
from schema.imports.types import ExportJob, ExportKind, FileFormat, ImportJob, ImportKind
from schema.jobs.types import FileUrlType


@strawberry.input(description="A file column and the field it holds.")
class ColumnMappingInput:
    column: str
    field: str = strawberry.field(description="e.g. phone, amount, attributes.shoeSize")


@strawberry.input
class StartImportInput:
    kind: ImportKind
    format: FileFormat = FileFormat.CSV
    error_policy: ErrorPolicy = strawberry.field(
        default=ErrorPolicy.REJECT_FAILED_ROWS,
        description="REJECT_EVERYTHING: all or nothing, for files of at most 10,000 rows.",
    )
    columns: list[ColumnMappingInput] = strawberry.field(
        default_factory=list, description="Mapping for headers that do not name a field."
    )


@strawberry.type
class StartImportPayload:
    job: ImportJob | None = None
    upload: FileUrlType | None = strawberry.field(
        default=None, description="PUT the file here (streamed; the URL expires)."
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class ExportFilter:
    from_: datetime | None = strawberry.field(
        name="from",
        default=None,
        description="Customers created, purchases made, ledger rows written, coupons issued "
        "from then on.",
    )
    to: datetime | None = None
    segment_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only the segment's customers (and their rows)."
    )


@strawberry.input
class StartExportInput:
    kind: ExportKind
    format: FileFormat = FileFormat.CSV
    filter: ExportFilter | None = None


@strawberry.type
class StartExportPayload:
    job: ExportJob | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type(description="The documented columns of an import kind.")
class ImportColumn:
    name: str
    required: bool
    description: str
    example: str


@strawberry.type
class ImportTemplate:
    kind: ImportKind
    columns: list[ImportColumn]
    csv: str = strawberry.field(description="A header and an example row.")


@strawberry.type
class ImportQueries:
    @strawberry.field(extensions=requires(Scope.CUSTOMERS_READ))
    async def import_job(self, info: Info, id: strawberry.ID) -> ImportJob | None:
        job = await resolvers.job_of(info.context, str(id), "ImportJob", "import")
        return ImportJob.from_model(job) if job else None

    @strawberry.field(extensions=requires(Scope.CUSTOMERS_READ))
    async def export_job(self, info: Info, id: strawberry.ID) -> ExportJob | None:
        job = await resolvers.job_of(info.context, str(id), "ExportJob", "export")
        return ExportJob.from_model(job) if job else None

    @strawberry.field(extensions=requires(Scope.CUSTOMERS_READ))
    def import_template(self, kind: ImportKind) -> ImportTemplate:
        return ImportTemplate(
            kind=kind,
            columns=[
                ImportColumn(
                    name=c.name, required=c.required, description=c.description, example=c.example
                )
                for c in resolvers.template_columns(kind.value)
            ],
            csv=resolvers.template_csv(kind.value),
        )


@strawberry.type
class ImportMutations:
    @strawberry.mutation(
        extensions=requires(Scope.CUSTOMERS_WRITE),
        description="An import job and the URL to PUT its file to; POINTS_BALANCES also needs "
        "scope points:write.",
    )
    async def start_import(self, info: Info, input: StartImportInput) -> StartImportPayload:
        mapping = {c.column: c.field for c in input.columns}
        result = await resolvers.start_import(
            info.context, input.kind.value, input.format.value, input.error_policy.value, mapping
        )
        if result.value is None:
            return StartImportPayload(errors=user_errors(result.errors))
        job = result.value
        return StartImportPayload(
            job=ImportJob.from_model(job),
            upload=FileUrlType.of(resolvers.upload(info.context, job)),
        )

    @strawberry.mutation(
        extensions=requires(Scope.CUSTOMERS_READ),
        description="An export job; personal data only with pii:read. LEDGER needs "
        "points:read, COUPONS offers:read.",
    )
    async def start_export(self, info: Info, input: StartExportInput) -> StartExportPayload:
        given = input.filter or ExportFilter()
        result = await resolvers.start_export(
            info.context,
            input.kind.value,
            input.format.value,
            given.from_,
            given.to,
            str(given.segment_id) if given.segment_id else None,
        )
        job = ExportJob.from_model(result.value) if result.value else None
        return StartExportPayload(job=job, errors=user_errors(result.errors))
