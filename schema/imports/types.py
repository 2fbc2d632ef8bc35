"""Import and export jobs as clients see them."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING

import strawberry

from auth.context import Info
from resolvers.ids import to_global_id
from resolvers.imports import jobs as resolvers
from schema.common import Node, local_time
from schema.jobs.types import FileUrlType, JobState

if TYPE_CHECKING:
    from models.jobs import Job
else:
    # strawberry evaluates the Private annotations: at run time the model is any object
    Job = object


@strawberry.enum
class ImportKind(Enum):
    CUSTOMERS = "CUSTOMERS"
    PURCHASES = "PURCHASES"
    POINTS_BALANCES = "POINTS_BALANCES"


@strawberry.enum
class ExportKind(Enum):
    CUSTOMERS = "CUSTOMERS"
    PURCHASES = "PURCHASES"
    LEDGER = "LEDGER"
    COUPONS = "COUPONS"


@strawberry.enum
class FileFormat(Enum):
    CSV = "CSV"
    NDJSON = "NDJSON"


def _at(info: Info, value: datetime | None) -> datetime | None:
    return local_time(info, value) if value else None


@strawberry.interface(description="What import and export jobs share.")
class FileJob(Node):
    model: strawberry.Private[Job]

    @strawberry.field
    def format(self) -> FileFormat:
        return FileFormat(self.model.parameters["format"])

    @strawberry.field
    def state(self) -> JobState:
        return JobState(self.model.state)

    @strawberry.field(description="Why it failed (FAILED), or `cancelled`.")
    def error(self) -> str | None:
        return self.model.error

    @strawberry.field
    def created_at(self, info: Info) -> datetime:
        return local_time(info, self.model.created_at)

    @strawberry.field
    def started_at(self, info: Info) -> datetime | None:
        return _at(info, self.model.started_at)

    @strawberry.field
    def finished_at(self, info: Info) -> datetime | None:
        return _at(info, self.model.finished_at)


@strawberry.type
class ImportJob(FileJob):
    @strawberry.field
    def kind(self) -> ImportKind:
        return ImportKind(self.model.parameters["kind"])

    @strawberry.field(description="REJECT_EVERYTHING, REJECT_FAILED_ROWS or IGNORE_FAILED.")
    def error_policy(self) -> str:
        return str(self.model.parameters["errorPolicy"])

    @strawberry.field(description="Rows read so far.")
    def rows_read(self) -> int:
        return int(self.model.processed)

    @strawberry.field
    def rows_written(self) -> int:
        return int(self.model.succeeded)

    @strawberry.field(description="Rows refused (or skipped under IGNORE_FAILED).")
    def rows_failed(self) -> int:
        return int(self.model.failed)

    @strawberry.field(description="File columns that name no field of the kind.")
    def ignored_columns(self) -> list[str]:
        return list(resolvers.result(self.model, "ignoredColumns", []))

    @strawberry.field(description="Where to PUT the file, while the job waits for it.")
    def upload(self, info: Info) -> FileUrlType | None:
        return FileUrlType.of(resolvers.upload(info.context, self.model))

    @strawberry.field(
        description="The failed rows with their errors, as CSV (for the importer or pii:read)."
    )
    def failed_rows(self, info: Info) -> FileUrlType | None:
        return FileUrlType.of(resolvers.failed_rows(info.context, self.model))

    @classmethod
    def from_model(cls, job: Job) -> ImportJob:
        return cls(id=strawberry.ID(to_global_id("ImportJob", job.id)), model=job)


@strawberry.type
class ExportJob(FileJob):
    @strawberry.field
    def kind(self) -> ExportKind:
        return ExportKind(self.model.parameters["kind"])

    @strawberry.field(description="Rows written so far.")
    def rows(self) -> int:
        return int(self.model.processed)

    @strawberry.field(
        description="The starter had pii:read: the file holds personal data, and only "
        "principals with pii:read get its download."
    )
    def contains_personal_data(self) -> bool:
        return bool(self.model.parameters.get("pii"))

    @strawberry.field(description="The file, once the job SUCCEEDED.")
    def download(self, info: Info) -> FileUrlType | None:
        return FileUrlType.of(resolvers.export_download(info.context, self.model))

    @classmethod
    def from_model(cls, job: Job) -> ExportJob:
        return cls(id=strawberry.ID(to_global_id("ExportJob", job.id)), model=job)
