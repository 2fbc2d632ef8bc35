from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from auth.context import Context
from resolvers.errors import bad_input
from resolvers.ids import BadGlobalId, from_global_id
from services.audit import log
from services.common.pagination import Page, PageRequest, PaginationError

if TYPE_CHECKING:
    from models import AuditEntry

CSV_MAX_ROWS = log.CSV_MAX_ROWS
# Audit rows name their target by model; global ids by GraphQL type. Where the two differ:
AUDITED_AS = {"PartnerApp": "App"}
GLOBAL_TYPE_OF = {audited: graphql for graphql, audited in AUDITED_AS.items()}
AuditFilter = log.AuditFilter
changed_fields = log.changed_fields
safe_details = log.safe_details


def audit_filter(
    actor: str | None,
    target_id: str | None,
    operation: str | None,
    since: datetime | None,
    until: datetime | None,
) -> log.AuditFilter:
    """`targetId` is a global id (Customer, Ticket...) or, for targets without one (a token's
    jti), the raw id as the log shows it."""
    target_type = None
    raw_target = target_id
    if target_id is not None:
        try:
            target_type, pk = from_global_id(target_id)
            target_type = AUDITED_AS.get(target_type, target_type)
            raw_target = str(pk)
        except BadGlobalId:
            target_type = None
    return log.AuditFilter(actor, target_type, raw_target, operation, since, until)


async def audit_log(context: Context, spec: log.AuditFilter, page: PageRequest) -> Page[AuditEntry]:
    try:
        return await log.entries(context.require_brand().id, spec, page)
    except (log.BadAuditFilter, PaginationError) as exc:
        raise bad_input(str(exc)) from exc


async def audit_csv(context: Context, spec: log.AuditFilter, max_rows: int) -> log.CsvExport:
    try:
        return await log.export_csv(context.require_brand().id, spec, max_rows)
    except log.BadAuditFilter as exc:
        raise bad_input(str(exc)) from exc
