"""Types every job-backed domain shares: a job's state and a signed file URL."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from auth.context import Info
from resolvers.jobs.files import FileLink
from schema.common import local_time


@strawberry.enum(description="Where a background job is.")
class JobState(Enum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"


@strawberry.type(
    name="FileUrl",
    description="A short-lived signed URL for one file transfer; the URL is the authorisation.",
)
class FileUrlType:
    link: strawberry.Private[FileLink]

    @strawberry.field
    def url(self) -> str:
        return self.link.url

    @strawberry.field(description="PUT to upload, GET to download.")
    def method(self) -> str:
        return self.link.method

    @strawberry.field
    def expires_at(self, info: Info) -> datetime:
        return local_time(info, self.link.expires_at)

    @classmethod
    def of(cls, link: FileLink | None) -> FileUrlType | None:
        return None if link is None else cls(link=link)
