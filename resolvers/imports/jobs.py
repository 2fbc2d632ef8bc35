"""Imports and exports: starting them (with the scope each kind needs), reading their jobs, and
who may download what (failed rows and exports hold personal data)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from strawberry.exceptions import StrawberryGraphQLError

from auth.context import Context
from auth.scopes import Scope
from resolvers.errors import bad_input
from resolvers.ids import BadGlobalId, decode_id
from resolvers.jobs.files import FileLink, download_link, upload_link
from resolvers.results import MutationResult, decode_or_error, run
from services.imports import exports, imports, templates
from services.jobs import jobs

if TYPE_CHECKING:
    from models.jobs import Job

IMPORT_SCOPES = {"POINTS_BALANCES": Scope.POINTS_WRITE}
EXPORT_SCOPES = {"LEDGER": Scope.POINTS_READ, "COUPONS": Scope.OFFERS_READ}


def _require(context: Context, scope: Scope | None) -> None:
    principal = context.principal
    if scope is not None and (principal is None or not principal.has(scope.value)):
        raise StrawberryGraphQLError(
            f"requires scope {scope.value}", extensions={"code": "FORBIDDEN"}
        )


async def start_import(
    context: Context, kind: str, file_format: str, policy: str, mapping: dict[str, str]
) -> MutationResult[Job]:
    _require(context, IMPORT_SCOPES.get(kind))
    return await run(imports.start_import(context.actor, kind, file_format, policy, mapping))


async def start_export(
    context: Context,
    kind: str,
    file_format: str,
    since: datetime | None,
    until: datetime | None,
    segment_gid: str | None,
) -> MutationResult[Job]:
    _require(context, EXPORT_SCOPES.get(kind))
    principal = context.principal
    pii = principal is not None and principal.has(Scope.PII_READ.value)

    async def operation() -> Job:
        segment = None
        if segment_gid is not None:
            segment = decode_or_error(segment_gid, "Segment", "filter.segmentId")
        return await exports.start_export(
            context.actor,
            kind,
            file_format,
            pii=pii,
            since=since,
            until=until,
            segment_id=segment,
        )

    return await run(operation())


async def job_of(context: Context, gid: str, type_name: str, kind: str) -> Job | None:
    try:
        pk = decode_id(gid, type_name)
    except BadGlobalId as exc:
        raise bad_input(str(exc)) from exc
    return await jobs.get_job(context.require_brand().id, pk, [kind])


def _started_it(context: Context, job: Job) -> bool:
    principal = context.principal
    return principal is not None and (
        principal.kind == job.actor_kind and str(principal.subject_id) == job.actor_subject
    )


def _sees_pii(context: Context) -> bool:
    principal = context.principal
    return principal is not None and principal.has(Scope.PII_READ.value)


def upload(context: Context, job: Job) -> FileLink | None:
    return upload_link(context, job) if _started_it(context, job) else None


def failed_rows(context: Context, job: Job) -> FileLink | None:
    """The rows as the file had them: the one who imported them, or pii:read."""
    if not (_started_it(context, job) or _sees_pii(context)):
        return None
    return download_link(context, job, "errors")


def export_download(context: Context, job: Job) -> FileLink | None:
    """An export holding personal data goes only to principals with pii:read."""
    if job.parameters.get("pii") and not _sees_pii(context):
        return None
    return download_link(context, job, "output")


def result(job: Job, key: str, default: Any = None) -> Any:
    return (job.result or {}).get(key, default)


def template_columns(kind: str) -> list[templates.Column]:
    """The columns of an import's CSV template, in order."""
    return templates.TEMPLATES[kind]


def template_csv(kind: str) -> str:
    return templates.template_csv(kind)
