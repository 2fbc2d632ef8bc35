from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum
from typing import TYPE_CHECKING

import strawberry

from auth.context import Info
from auth.permissions import requires
from auth.scopes import Scope
from resolvers.customers import loaders as customer_loaders
from resolvers.ids import to_global_id
from resolvers.tickets import loaders
from resolvers.tickets import queries as ticket_queries
from schema.auth.operations import StaffUser
from schema.common import Edge, Node, PageInfo, edges, local_time
from schema.customers.types import CustomerType
from schema.loyalty.types import PointsTransactionType
from schema.stores.fields import StoreFields
from services.common.pagination import Page
from services.tickets.sla import Clock

if TYPE_CHECKING:
    from models import StaffUser as StaffUserModel
    from models.tickets import ServiceSettings, SlaPolicy, TicketMessage
    from models.tickets import Ticket as TicketModel
else:
    # strawberry evaluates the Private annotations: at run time the model is any object
    TicketMessage = object
    TicketModel = object


@strawberry.enum
class TicketStatus(Enum):
    NEW = "NEW"
    OPEN = "OPEN"
    PENDING_CUSTOMER = "PENDING_CUSTOMER"
    RESOLVED = "RESOLVED"
    CLOSED = "CLOSED"


@strawberry.enum
class TicketChannel(Enum):
    APP = "APP"
    WEB = "WEB"
    PHONE = "PHONE"
    EMAIL = "EMAIL"
    WECHAT = "WECHAT"
    WEIBO = "WEIBO"
    DOUYIN = "DOUYIN"
    STORE = "STORE"
    OTHER = "OTHER"


@strawberry.enum
class TicketSeverity(Enum):
    LOW = "LOW"
    NORMAL = "NORMAL"
    HIGH = "HIGH"
    URGENT = "URGENT"


def staff_type(user: StaffUserModel) -> StaffUser:
    return StaffUser.from_model(user)


@strawberry.type(name="TicketMessage", description="A reply or an internal note.")
class TicketMessageType(Node):
    body: str
    author: str
    model: strawberry.Private[TicketMessage]

    @strawberry.field
    def created_at(self, info: Info) -> datetime:
        return local_time(info, self.model.created_at)

    @classmethod
    def from_model(cls, row: TicketMessage) -> TicketMessageType:
        return cls(
            id=strawberry.ID(to_global_id("TicketMessage", row.id)),
            body=row.body,
            author=row.author,
            model=row,
        )


@strawberry.type(description="The customer's satisfaction rating of a resolved ticket.")
class TicketRating:
    score: int
    comment: str | None


def _local(info: Info, value: datetime | None) -> datetime | None:
    return local_time(info, value) if value is not None else None


@strawberry.type(name="Ticket", description="A complaint, tracked through its SLA to a rating.")
class TicketType(Node, StoreFields):
    status: TicketStatus
    channel: TicketChannel
    category: str
    severity: TicketSeverity
    subject: str
    description: str
    resolution: str | None
    root_cause: str | None
    opened_by: str
    model: strawberry.Private[TicketModel]

    @classmethod
    def from_model(cls, t: TicketModel) -> TicketType:
        return cls(
            id=strawberry.ID(to_global_id("Ticket", t.id)),
            status=TicketStatus(t.status),
            channel=TicketChannel(t.channel),
            category=t.category,
            severity=TicketSeverity(t.severity),
            subject=t.subject,
            description=t.description,
            resolution=t.resolution,
            root_cause=t.root_cause,
            opened_by=t.opened_by,
            model=t,
        )

    @strawberry.field
    async def customer(self, info: Info) -> CustomerType | None:
        found = await customer_loaders.customer_by_id(info.context, self.model.customer_id)
        return CustomerType.from_model(found) if found else None

    @strawberry.field
    async def assignee(self, info: Info) -> StaffUser | None:
        found = await loaders.staff_user(info.context, self.model)
        return staff_type(found) if found else None

    @strawberry.field(description="Public replies, visible to the customer, oldest first.")
    async def replies(self, info: Info) -> list[TicketMessageType]:
        return [
            TicketMessageType.from_model(m) for m in await loaders.replies(info.context, self.model)
        ]

    @strawberry.field(
        extensions=requires(Scope.TICKETS_WRITE),
        description="Internal notes, never shown to customers.",
    )
    async def internal_notes(self, info: Info) -> list[TicketMessageType] | None:
        rows = await loaders.internal_notes(info.context, self.model)
        return [TicketMessageType.from_model(m) for m in rows]

    @strawberry.field
    def first_response_due_at(self, info: Info) -> datetime | None:
        return _local(info, self.model.first_response_due)

    @strawberry.field(description="Answered late, or still unanswered past the due time.")
    def first_response_breached(self) -> bool:
        t = self.model
        late_open = (
            t.first_responded_at is None
            and t.first_response_due is not None
            and datetime.now(UTC) > t.first_response_due
        )
        return t.first_response_breached or late_open

    @strawberry.field(description="Null while the clock is paused or stopped.")
    def resolution_due_at(self, info: Info) -> datetime | None:
        if self.model.resolution_remaining_seconds is not None:
            return None
        return _local(info, self.model.resolution_due)

    @strawberry.field
    def resolution_breached(self) -> bool:
        t = self.model
        clock = Clock(t.resolution_due, t.resolution_remaining_seconds, t.resolution_breached)
        return clock.is_breached(datetime.now(UTC))

    @strawberry.field(description="Pending on the customer: the resolution clock is paused.")
    def resolution_clock_paused(self) -> bool:
        return self.model.paused_at is not None

    @strawberry.field
    def first_responded_at(self, info: Info) -> datetime | None:
        return _local(info, self.model.first_responded_at)

    @strawberry.field
    def resolved_at(self, info: Info) -> datetime | None:
        return _local(info, self.model.resolved_at)

    @strawberry.field
    def closed_at(self, info: Info) -> datetime | None:
        return _local(info, self.model.closed_at)

    @strawberry.field
    def rating(self) -> TicketRating | None:
        if self.model.csat_score is None:
            return None
        return TicketRating(score=self.model.csat_score, comment=self.model.csat_comment)

    @strawberry.field(
        extensions=requires(Scope.POINTS_READ),
        description="Goodwill points awarded for this ticket (compensateTicket), oldest first.",
    )
    async def compensations(self, info: Info) -> list[PointsTransactionType] | None:
        rows = await ticket_queries.compensations(info.context, self.model)
        return [PointsTransactionType.from_model(row, info.context) for row in rows]

    @strawberry.field(description="The survey response (detractor) this ticket follows up.")
    def source_response_id(self) -> strawberry.ID | None:
        pk = self.model.source_response_id
        return strawberry.ID(to_global_id("SurveyResponse", pk)) if pk else None

    @strawberry.field
    def created_at(self, info: Info) -> datetime:
        return local_time(info, self.model.created_at)

    @strawberry.field
    def updated_at(self, info: Info) -> datetime:
        return local_time(info, self.model.updated_at)


@strawberry.type
class TicketConnection:
    edges: list[Edge[TicketType]]
    page_info: PageInfo
    count: strawberry.Private[object]

    @strawberry.field(description="All tickets matching the filter (one COUNT query).")
    async def total_count(self) -> int:
        return await self.count()  # type: ignore[operator,no-any-return]

    @classmethod
    def from_page(cls, page: Page[TicketModel], count: object) -> TicketConnection:
        return cls(
            edges=edges(page, TicketType.from_model),
            page_info=PageInfo.from_page(page),
            count=count,
        )


@strawberry.type
class BusinessHoursType:
    start_minute: int = strawberry.field(description="Minutes after local midnight.")
    end_minute: int
    weekdays: list[int] = strawberry.field(description="ISO weekdays, 1 = Monday.")


@strawberry.type(name="SlaPolicy")
class SlaPolicyType(Node):
    severity: TicketSeverity
    first_response_minutes: int
    resolution_minutes: int
    business_hours: bool

    @classmethod
    def from_model(cls, p: SlaPolicy) -> SlaPolicyType:
        return cls(
            id=strawberry.ID(to_global_id("SlaPolicy", p.id)),
            severity=TicketSeverity(p.severity),
            first_response_minutes=p.first_response_minutes,
            resolution_minutes=p.resolution_minutes,
            business_hours=p.business_hours,
        )


@strawberry.type(name="TicketSettings", description="The brand's complaint-handling settings.")
class TicketSettingsType(Node):
    categories: list[str]
    root_causes: list[str]
    reopen_days: int
    detractor_follow_up: bool
    follow_up_category: str
    follow_up_survey_id: strawberry.ID | None
    resolution_survey_id: strawberry.ID | None
    purchase_survey_id: strawberry.ID | None = strawberry.field(
        description="Sent automatically after each purchase (when ACTIVE)."
    )
    business_hours: BusinessHoursType | None
    sla_policies: list[SlaPolicyType]

    @classmethod
    def from_model(cls, s: ServiceSettings, policies: list[SlaPolicy]) -> TicketSettingsType:
        hours = s.business_hours
        return cls(
            # One per brand, so its id is the brand's number (the row may not be written yet).
            id=strawberry.ID(to_global_id("TicketSettings", s.brand_id)),
            categories=list(s.categories),
            root_causes=list(s.root_causes),
            reopen_days=s.reopen_days,
            detractor_follow_up=s.detractor_follow_up,
            follow_up_category=s.follow_up_category,
            follow_up_survey_id=_survey_gid(s.follow_up_survey_id),
            resolution_survey_id=_survey_gid(s.resolution_survey_id),
            purchase_survey_id=_survey_gid(s.purchase_survey_id),
            business_hours=BusinessHoursType(**hours) if hours else None,
            sla_policies=[SlaPolicyType.from_model(p) for p in policies],
        )


def _survey_gid(pk: int | None) -> strawberry.ID | None:
    return strawberry.ID(to_global_id("Survey", pk)) if pk else None
