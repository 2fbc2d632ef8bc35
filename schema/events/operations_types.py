"""Live event types of stores, bookings, referrals, tracking and background jobs."""

from __future__ import annotations

import strawberry
from strawberry.scalars import JSON

from schema.events.event_interface import EventType, payload_gid, payload_value, subject_gid


@strawberry.type
class StoreChanged(EventType):
    @strawberry.field
    def store_id(self) -> strawberry.ID | None:
        return payload_gid(self.event, "store", "Store")


@strawberry.type
class StaffChanged(EventType):
    @strawberry.field
    def staff_id(self) -> strawberry.ID | None:
        return payload_gid(self.event, "staff", "StaffMember")


@strawberry.type
class BookableServiceChanged(EventType):
    @strawberry.field
    def service_id(self) -> strawberry.ID | None:
        return payload_gid(self.event, "service", "BookableService")


@strawberry.type
class AppointmentEvent(EventType):
    """booked, rescheduled, cancelled, checked_in, completed, no_show, reminder_due."""

    @strawberry.field
    def appointment_id(self) -> strawberry.ID | None:
        return subject_gid(self.event)

    @strawberry.field
    def store_id(self) -> strawberry.ID | None:
        return payload_gid(self.event, "store", "Store")

    @strawberry.field
    def staff_id(self) -> strawberry.ID | None:
        return payload_gid(self.event, "staff", "StaffMember")

    @strawberry.field(description="The appointment's status after the change.")
    def status(self) -> str | None:
        return payload_value(self.event, "status")

    @strawberry.field(description="The start (ISO 8601, UTC) after the change.")
    def starts_at(self) -> str | None:
        return payload_value(self.event, "startsAt")


@strawberry.type
class ReferralEvent(EventType):
    """invited, attributed, converted (with the rewards paid)."""

    @strawberry.field
    def referral_id(self) -> strawberry.ID | None:
        if self.event.subject_type != "Referral":
            return None
        return subject_gid(self.event)


@strawberry.type(description="A batch of behaviour events was stored (trackEvents, beacon).")
class BehaviourTracked(EventType):
    @strawberry.field
    def accepted(self) -> int | None:
        return payload_value(self.event, "accepted")

    @strawberry.field(description="How many events of each name the batch stored.")
    def names(self) -> JSON:
        return JSON(payload_value(self.event, "names") or {})


@strawberry.type(description="A background import or export job ended (docs/onboarding.md).")
class JobCompleted(EventType):
    @strawberry.field(description="The ImportJob or ExportJob.")
    def job_id(self) -> strawberry.ID | None:
        return subject_gid(self.event)

    @strawberry.field(description="CUSTOMERS, PURCHASES, POINTS_BALANCES, LEDGER, COUPONS.")
    def kind(self) -> str | None:
        return payload_value(self.event, "kind")

    @strawberry.field(description="SUCCEEDED, FAILED or CANCELLED.")
    def state(self) -> str | None:
        return payload_value(self.event, "state")

    @strawberry.field
    def rows_read(self) -> int | None:
        return payload_value(self.event, "rowsRead")

    @strawberry.field
    def rows_written(self) -> int | None:
        return payload_value(self.event, "rowsWritten")

    @strawberry.field
    def rows_failed(self) -> int | None:
        return payload_value(self.event, "rowsFailed")
