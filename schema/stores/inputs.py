from __future__ import annotations

from datetime import date, datetime

import strawberry

from services.stores.hours import ExceptionEntry, HoursEntry
from services.stores.staff import StaffSpec
from services.stores.stores import StoreFilter as StoreFilterSpec
from services.stores.stores import StoreSpec


@strawberry.input(description="Open (or working) from `opens` to `closes`, HH:MM local time.")
class WeeklyHoursInput:
    weekday: int = strawberry.field(description="1 = Monday ... 7 = Sunday.")
    opens: str = strawberry.field(description="HH:MM, 00:00 to 24:00.")
    closes: str

    def to_entry(self) -> HoursEntry:
        return HoursEntry(self.weekday, self.opens, self.closes)


@strawberry.input
class TimeRangeInput:
    opens: str
    closes: str


@strawberry.input(description="A day with its own hours; no hours: closed all day.")
class StoreExceptionInput:
    date: date
    hours: list[TimeRangeInput] = strawberry.field(default_factory=list)

    def to_entry(self) -> ExceptionEntry:
        return ExceptionEntry(self.date, [(h.opens, h.closes) for h in self.hours])


def _hours(items: list[WeeklyHoursInput] | None) -> list[HoursEntry] | None:
    return None if items is None else [i.to_entry() for i in items]


def _exceptions(items: list[StoreExceptionInput] | None) -> list[ExceptionEntry] | None:
    return None if items is None else [i.to_entry() for i in items]


@strawberry.input
class CreateStoreInput:
    code: str = strawberry.field(description="Unique in the brand; what POS systems send.")
    name: str
    address: str | None = None
    city: str | None = None
    region: str | None = None
    timezone: str | None = strawberry.field(default=None, description="Default: the brand's.")
    opening_hours: list[WeeklyHoursInput] = strawberry.field(default_factory=list)
    exceptions: list[StoreExceptionInput] = strawberry.field(default_factory=list)
    status: str = "OPEN"

    def to_spec(self) -> StoreSpec:
        return StoreSpec(
            code=self.code,
            name=self.name,
            address=self.address,
            city=self.city,
            region=self.region,
            timezone=self.timezone,
            opening_hours=_hours(self.opening_hours),
            exceptions=_exceptions(self.exceptions),
            status=self.status,
        )


@strawberry.input(description="Only the fields given are changed; lists replace the old ones.")
class UpdateStoreInput:
    id: strawberry.ID
    code: str | None = None
    name: str | None = None
    address: str | None = None
    city: str | None = None
    region: str | None = None
    timezone: str | None = None
    opening_hours: list[WeeklyHoursInput] | None = None
    exceptions: list[StoreExceptionInput] | None = None
    status: str | None = strawberry.field(default=None, description="OPEN or CLOSED.")

    def to_spec(self) -> StoreSpec:
        return StoreSpec(
            code=self.code,
            name=self.name,
            address=self.address,
            city=self.city,
            region=self.region,
            timezone=self.timezone,
            opening_hours=_hours(self.opening_hours),
            exceptions=_exceptions(self.exceptions),
            status=self.status,
        )


@strawberry.input
class StoreFilter:
    status: str | None = None
    city: str | None = None
    search: str | None = strawberry.field(default=None, description="Part of the name.")

    def to_spec(self) -> StoreFilterSpec:
        return StoreFilterSpec(self.status, self.city, self.search)


@strawberry.input
class CreateStaffMemberInput:
    name: str
    skills: list[str] = strawberry.field(default_factory=list)
    user_id: strawberry.ID | None = strawberry.field(
        default=None, description="The staff login (StaffUser) this profile belongs to."
    )

    def to_spec(self) -> StaffSpec:
        return StaffSpec(name=self.name, skills=self.skills, active=True)


@strawberry.input(description="Only the fields given are changed; userId null unlinks.")
class UpdateStaffMemberInput:
    id: strawberry.ID
    name: str | None = None
    skills: list[str] | None = None
    active: bool | None = None
    user_id: strawberry.ID | None = strawberry.UNSET

    def to_spec(self) -> StaffSpec:
        return StaffSpec(name=self.name, skills=self.skills, active=self.active)


@strawberry.input(description="Sets the member's role and weekly schedule in a store.")
class AssignStaffInput:
    staff_id: strawberry.ID
    store_id: strawberry.ID
    role: str
    schedule: list[WeeklyHoursInput] = strawberry.field(
        description="Working hours in the store's local time; slots lie within the store's "
        "opening hours too."
    )


@strawberry.input
class UnassignStaffInput:
    staff_id: strawberry.ID
    store_id: strawberry.ID


@strawberry.input
class AddStaffTimeOffInput:
    staff_id: strawberry.ID
    starts_at: datetime
    ends_at: datetime
    reason: str = ""


@strawberry.input
class RemoveStaffTimeOffInput:
    id: strawberry.ID
