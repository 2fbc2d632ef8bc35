from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import strawberry
from strawberry.scalars import JSON

from auth.context import Info
from resolvers.audit import queries
from resolvers.brands import loaders as app_loaders
from resolvers.ids import to_global_id
from schema.brands.apps import PartnerApp
from schema.common import Edge, Node, PageInfo, edges, local_time
from services.common.pagination import Page

if TYPE_CHECKING:
    from models import AuditEntry
else:
    # strawberry evaluates the Private annotations: at run time the model is any object
    AuditEntry = object


@strawberry.type(name="AuditEntry", description="One mutation: who did what, when, from where.")
class AuditEntryType(Node):
    operation: str = strawberry.field(description="The mutation, e.g. updateCustomer.")
    actor: str = strawberry.field(description="kind:id, e.g. app:3, user:7, customer:9.")
    actor_kind: str = strawberry.field(description="app, user, customer or system.")
    actor_id: str
    request_id: str = strawberry.field(description="The X-Request-ID of the HTTP request.")
    target_type: str
    target_id: str | None = strawberry.field(
        description="The target's global id; raw for targets without one (a token's jti). "
        "Pass it as `filter.targetId`."
    )
    changed_fields: list[str] = strawberry.field(
        description="Names of the fields the mutation changed (never their values)."
    )
    details: JSON = strawberry.field(
        description="What the row records besides (ids, counts, statuses; no personal data)."
    )
    model: strawberry.Private[AuditEntry]

    @strawberry.field
    def occurred_at(self, info: Info) -> datetime:
        return local_time(info, self.model.created_at)

    @strawberry.field(description="The partner app that acted, when an app did.")
    async def app(self, info: Info) -> PartnerApp | None:
        if self.actor_kind != "app" or not self.actor_id.isdigit():
            return None
        found = await app_loaders.app_by_id(info.context, int(self.actor_id))
        return PartnerApp.from_model(found) if found else None

    @classmethod
    def from_model(cls, row: AuditEntry) -> AuditEntryType:
        target = row.target_id
        if target is not None and target.isdigit():
            type_name = queries.GLOBAL_TYPE_OF.get(row.target_type, row.target_type)
            target = to_global_id(type_name, int(target))
        return cls(
            id=strawberry.ID(to_global_id("AuditEntry", row.id)),
            operation=row.operation,
            actor=f"{row.principal_kind}:{row.principal_id}",
            actor_kind=row.principal_kind,
            actor_id=row.principal_id,
            request_id=row.request_id,
            target_type=row.target_type,
            target_id=target,
            changed_fields=queries.changed_fields(row),
            details=JSON(queries.safe_details(row)),
            model=row,
        )


@strawberry.type
class AuditEntryConnection:
    edges: list[Edge[AuditEntryType]]
    page_info: PageInfo

    @classmethod
    def from_page(cls, page: Page[AuditEntry]) -> AuditEntryConnection:
        return cls(edges=edges(page, AuditEntryType.from_model), page_info=PageInfo.from_page(page))


@strawberry.type(description="The filtered audit log as CSV, newest first.")
class AuditLogCsv:
    csv: str = strawberry.field(
        description="Header: occurred_at,actor,operation,target_type,target_id,request_id,"
        "changed_fields (UTC times; changed fields separated by spaces)."
    )
    rows: int
    truncated: bool = strawberry.field(description="More rows matched than maxRows.")
