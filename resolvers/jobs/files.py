"""Signed URLs of job files as absolute URLs for the caller (CRM_PUBLIC_URL, or the request's
own base URL)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from auth.context import Context
from services.jobs import jobs
from services.jobs.signing import SignedURL

if TYPE_CHECKING:
    from models.jobs import Job


@dataclass(frozen=True)
class FileLink:
    url: str
    method: str
    expires_at: datetime


def base_url(context: Context) -> str:
    if context.settings.public_url:
        return context.settings.public_url
    request = context.request
    return str(request.base_url) if request is not None else ""


def link(context: Context, signed: SignedURL) -> FileLink:
    return FileLink(signed.absolute(base_url(context)), signed.method, jobs.expires_at(signed))


def upload_link(context: Context, job: Job) -> FileLink | None:
    if not job.awaiting_input:
        return None
    return link(context, jobs.upload_url(context.settings, job))


def download_link(context: Context, job: Job, purpose: str = "output") -> FileLink | None:
    signed = jobs.download_url(context.settings, job, purpose)
    return None if signed is None else link(context, signed)
