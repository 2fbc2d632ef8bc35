"""Stores, their hours, and the staff members customers can book."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo

import strawberry

from auth.context import Info
from auth.permissions import requires
from auth.scopes import Scope
from resolvers.ids import to_global_id
from resolvers.stores import loaders, queries
from schema.common import Edge, Node, PageInfo, edges, local_time
from services.common.pagination import Page

if TYPE_CHECKING:
    from models.stores import StaffAssignment, StaffMember, StaffTimeOff, Store
else:
    # strawberry evaluates the Private annotations: at run time the model is any object
    StaffAssignment = object
    StaffMember = object
    StaffTimeOff = object
    Store = object


@strawberry.type(description="Open from `opens` to `closes` (HH:MM, local) on an ISO weekday.")
class WeeklyHours:
    weekday: int = strawberry.field(description="1 = Monday ... 7 = Sunday.")
    opens: str
    closes: str


@strawberry.type
class TimeRange:
    opens: str
    closes: str


@strawberry.type(description="A day with its own hours (none: closed all day).")
class StoreException:
    date: date
    hours: list[TimeRange]

    @strawberry.field
    def closed(self) -> bool:
        return not self.hours


def weekly_hours(weekly: dict[str, list[list[int]]]) -> list[WeeklyHours]:
    return [
        WeeklyHours(weekday=day, opens=opens, closes=closes)
        for day, opens, closes in queries.weekly_intervals(weekly)
    ]


def in_zone(value: datetime | None, zone: str) -> datetime | None:
    return value.astimezone(ZoneInfo(zone)) if value is not None else None


@strawberry.type(name="Store", description="A store of the brand, with its hours and time zone.")
class StoreType(Node):
    code: str
    name: str
    address: str | None
    city: str | None
    region: str | None
    timezone: str = strawberry.field(description="IANA zone; availability is computed in it.")
    status: str = strawberry.field(description="OPEN or CLOSED (a closed store takes no bookings).")
    model: strawberry.Private[Store]

    @classmethod
    def from_model(cls, s: Store) -> StoreType:
        return cls(
            id=strawberry.ID(to_global_id("Store", s.id)),
            code=s.code,
            name=s.name,
            address=s.address,
            city=s.city,
            region=s.region,
            timezone=s.timezone,
            status=s.status,
            model=s,
        )

    @strawberry.field
    def opening_hours(self) -> list[WeeklyHours]:
        return weekly_hours(self.model.opening_hours or {})

    @strawberry.field(description="Holidays and other days with their own hours, by date.")
    def exceptions(self) -> list[StoreException]:
        return [
            StoreException(
                date=day, hours=[TimeRange(opens=opens, closes=closes) for opens, closes in hours]
            )
            for day, hours in queries.exception_days(self.model.exceptions or [])
        ]

    @strawberry.field(description="Who works here, with their role and schedule here.")
    async def staff(self, info: Info) -> list[StaffAssignmentType]:
        rows = await loaders.assignments_of_store(info.context, self.model)
        return [StaffAssignmentType.from_model(a) for a in rows]

    @strawberry.field
    def created_at(self, info: Info) -> datetime:
        return local_time(info, self.model.created_at)


@strawberry.type(name="StaffAssignment", description="A staff member's role and week in a store.")
class StaffAssignmentType(Node):
    model: strawberry.Private[StaffAssignment]

    @classmethod
    def from_model(cls, a: StaffAssignment) -> StaffAssignmentType:
        return cls(id=strawberry.ID(to_global_id("StaffAssignment", a.id)), model=a)

    @strawberry.field
    def role(self) -> str:
        return self.model.role

    @strawberry.field(description="Working hours in the store's local time.")
    def schedule(self) -> list[WeeklyHours]:
        return weekly_hours(self.model.schedule or {})

    @strawberry.field
    async def store(self, info: Info) -> StoreType | None:
        found = await loaders.store_by_id(info.context, self.model.brand_id, self.model.store_id)
        return StoreType.from_model(found) if found else None

    @strawberry.field
    async def staff_member(self, info: Info) -> StaffMemberType | None:
        found = await loaders.staff_by_id(info.context, self.model.brand_id, self.model.staff_id)
        return StaffMemberType.from_model(found) if found else None


@strawberry.type(name="StaffTimeOff")
class StaffTimeOffType(Node):
    reason: str
    model: strawberry.Private[StaffTimeOff]

    @classmethod
    def from_model(cls, r: StaffTimeOff) -> StaffTimeOffType:
        return cls(id=strawberry.ID(to_global_id("StaffTimeOff", r.id)), reason=r.reason, model=r)

    @strawberry.field
    def starts_at(self, info: Info) -> datetime:
        return local_time(info, self.model.starts_at)

    @strawberry.field
    def ends_at(self, info: Info) -> datetime:
        return local_time(info, self.model.ends_at)


@strawberry.type(name="StaffMember", description="Someone customers can book.")
class StaffMemberType(Node):
    name: str
    skills: list[str] = strawberry.field(description="Matched against a service's skills.")
    active: bool
    model: strawberry.Private[StaffMember]

    @classmethod
    def from_model(cls, s: StaffMember) -> StaffMemberType:
        return cls(
            id=strawberry.ID(to_global_id("StaffMember", s.id)),
            name=s.name,
            skills=list(s.skills or []),
            active=s.active,
            model=s,
        )

    @strawberry.field(
        extensions=requires(Scope.STORES_READ), description="The staff login, if linked."
    )
    def user_id(self) -> strawberry.ID | None:
        pk = self.model.user_id
        return strawberry.ID(to_global_id("StaffUser", pk)) if pk else None

    @strawberry.field(description="The stores this member works in.")
    async def assignments(self, info: Info) -> list[StaffAssignmentType]:
        rows = await loaders.assignments_of_staff(info.context, self.model)
        return [StaffAssignmentType.from_model(a) for a in rows]

    @strawberry.field(
        extensions=requires(Scope.STORES_READ),
        description="Time off overlapping [from, to) (default: from now on), soonest first.",
    )
    async def time_off(
        self,
        info: Info,
        from_: Annotated[datetime | None, strawberry.argument(name="from")] = None,
        to: datetime | None = None,
    ) -> list[StaffTimeOffType] | None:
        rows = await queries.time_off(info.context, self.model, from_, to)
        return [StaffTimeOffType.from_model(r) for r in rows]


@strawberry.type
class StoreConnection:
    edges: list[Edge[StoreType]]
    page_info: PageInfo

    @classmethod
    def from_page(cls, page: Page[Store]) -> StoreConnection:
        return cls(edges=edges(page, StoreType.from_model), page_info=PageInfo.from_page(page))


@strawberry.type
class StaffMemberConnection:
    edges: list[Edge[StaffMemberType]]
    page_info: PageInfo

    @classmethod
    def from_page(cls, page: Page[StaffMember]) -> StaffMemberConnection:
        return cls(
            edges=edges(page, StaffMemberType.from_model), page_info=PageInfo.from_page(page)
        )


@strawberry.type(description="Sales of one store over the period (no store: `store` is null).")
class StoreSalesType:
    store: StoreType | None
    purchases: int
    revenue: str = strawberry.field(description="Net of refunds, in the brand's currency.")
    customers: int
