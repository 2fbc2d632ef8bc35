from __future__ import annotations

from datetime import datetime

import strawberry

from auth.context import Info
from auth.permissions import requires
from auth.scopes import Scope
from resolvers.audit import queries
from resolvers.audit.queries import CSV_MAX_ROWS, AuditFilter
from schema.audit.types import AuditEntryConnection, AuditLogCsv
from services.common.pagination import PageRequest


@strawberry.input
class AuditLogFilter:
    actor: str | None = strawberry.field(default=None, description="kind:id, e.g. app:3.")
    target_id: str | None = strawberry.field(
        default=None, description="A global id (or a raw id as `AuditEntry.targetId` shows it)."
    )
    operation: str | None = strawberry.field(default=None, description="e.g. updateCustomer.")
    from_: datetime | None = strawberry.field(default=None, name="from")
    to: datetime | None = None

    def to_spec(self) -> AuditFilter:
        return queries.audit_filter(self.actor, self.target_id, self.operation, self.from_, self.to)


READ = requires(Scope.AUDIT_READ)


@strawberry.type
class AuditQueries:
    @strawberry.field(
        extensions=READ,
        description="The brand's audit log, newest first; keyset-paginated, at most 100 a page.",
    )
    async def audit_log(
        self,
        info: Info,
        filter: AuditLogFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> AuditEntryConnection:
        spec = (filter or AuditLogFilter()).to_spec()
        page = await queries.audit_log(info.context, spec, PageRequest(first=first, after=after))
        return AuditEntryConnection.from_page(page)

    @strawberry.field(
        extensions=READ,
        description=f"The filtered log as CSV, at most {CSV_MAX_ROWS} rows (`truncated` says "
        "when more matched: narrow `from`/`to` and ask again).",
    )
    async def audit_log_csv(
        self, info: Info, filter: AuditLogFilter | None = None, max_rows: int = CSV_MAX_ROWS
    ) -> AuditLogCsv:
        spec = (filter or AuditLogFilter()).to_spec()
        export = await queries.audit_csv(info.context, spec, max_rows)
        return AuditLogCsv(csv=export.text, rows=export.rows, truncated=export.truncated)
