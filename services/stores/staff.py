"""Staff members customers can book: profiles and skills, store assignments with a weekly
schedule, and time off. Changes emit `staff.updated`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from events.outbox import emit
from models import StaffUser
from models.stores import StaffAssignment, StaffMember, StaffTimeOff, Store
from services.common import audit
from services.common.actor import Actor
from services.common.errors import DomainError, ErrorCode, ErrorCollector
from services.stores import hours
from services.stores.hours import HoursEntry

MAX_SKILLS = 50
MAX_LABEL = 64
MAX_TIME_OFF = timedelta(days=366)


def clean_labels(values: list[str], field: str, errors: ErrorCollector) -> list[str]:
    if len(values) > MAX_SKILLS:
        errors.add(field, ErrorCode.INVALID, f"at most {MAX_SKILLS}")
    cleaned: list[str] = []
    for value in values[:MAX_SKILLS]:
        value = value.strip()
        if not value or len(value) > MAX_LABEL:
            errors.add(field, ErrorCode.INVALID, f"labels have 1 to {MAX_LABEL} characters")
        elif value not in cleaned:
            cleaned.append(value)
    return cleaned


@dataclass(frozen=True)
class StaffSpec:
    name: str | None = None
    user_id: int | None = None
    skills: list[str] | None = None
    active: bool | None = None
    clear_user: bool = False


async def _values(actor: Actor, spec: StaffSpec, creating: bool) -> dict[str, Any]:
    errors = ErrorCollector()
    values: dict[str, Any] = {}
    if spec.name is not None or creating:
        name = (spec.name or "").strip()
        if not name:
            errors.add("name", ErrorCode.REQUIRED, "name is required")
        elif len(name) > 200:
            errors.add("name", ErrorCode.TOO_LONG, "name is longer than 200")
        values["name"] = name
    if spec.skills is not None:
        values["skills"] = clean_labels(spec.skills, "skills", errors)
    if spec.active is not None:
        values["active"] = spec.active
    errors.raise_if_any()
    if spec.user_id is not None:
        if not await StaffUser.exists(brand_id=actor.brand_id, id=spec.user_id):
            raise DomainError.single("userId", ErrorCode.NOT_FOUND, "staff user not found")
        values["user_id"] = spec.user_id
    elif spec.clear_user:
        values["user_id"] = None
    return values


async def _taken_login(actor: Actor, user_id: int | None) -> DomainError | None:
    if user_id is None:
        return None
    holder = await StaffMember.get_or_none(brand_id=actor.brand_id, user_id=user_id)
    if holder is None:
        return None
    return DomainError.single(
        "userId",
        ErrorCode.DUPLICATE,
        "this login already has a staff profile",
        related_id=str(holder.id),
    )


async def create_staff(actor: Actor, spec: StaffSpec) -> StaffMember:
    values = await _values(actor, spec, creating=True)
    try:
        async with in_transaction():
            staff = await StaffMember.create(brand_id=actor.brand_id, **values)
            await _record(actor, staff.id, "createStaffMember", sorted(values))
    except IntegrityError:
        taken = await _taken_login(actor, values.get("user_id"))
        if taken is not None:
            raise taken from None
        raise
    return staff


async def lock_staff(brand_id: int, staff_id: int, field: str = "staffId") -> StaffMember:
    staff = await StaffMember.select_for_update().get_or_none(brand_id=brand_id, id=staff_id)
    if staff is None:
        raise DomainError.single(field, ErrorCode.NOT_FOUND, "staff member not found")
    return staff


async def update_staff(actor: Actor, staff_id: int, spec: StaffSpec) -> StaffMember:
    values = await _values(actor, spec, creating=False)
    try:
        async with in_transaction():
            staff = await lock_staff(actor.brand_id, staff_id, "id")
            staff.update_from_dict(values)
            await staff.save()
            await _record(actor, staff.id, "updateStaffMember", sorted(values))
    except IntegrityError:
        taken = await _taken_login(actor, values.get("user_id"))
        if taken is not None:
            raise taken from None
        raise
    return staff


async def assign(
    actor: Actor, staff_id: int, store_id: int, role: str, schedule: list[HoursEntry]
) -> StaffAssignment:
    """Set (or replace) the staff member's role and weekly schedule in a store."""
    errors = ErrorCollector()
    role = role.strip()
    if not role or len(role) > MAX_LABEL:
        errors.add("role", ErrorCode.INVALID, f"a role has 1 to {MAX_LABEL} characters")
    weekly = hours.clean_weekly(schedule, "schedule", errors)
    errors.raise_if_any()
    async with in_transaction():
        await lock_staff(actor.brand_id, staff_id)
        if not await Store.exists(brand_id=actor.brand_id, id=store_id):
            raise DomainError.single("storeId", ErrorCode.NOT_FOUND, "store not found")
        found = await StaffAssignment.get_or_none(staff_id=staff_id, store_id=store_id)
        if found is None:
            found = await StaffAssignment.create(
                brand_id=actor.brand_id,
                staff_id=staff_id,
                store_id=store_id,
                role=role,
                schedule=weekly,
            )
        else:
            found.role, found.schedule = role, weekly
            await found.save(update_fields=["role", "schedule"])
        await _record(actor, staff_id, "assignStaff", ["store", "role", "schedule"], store_id)
    return found


async def unassign(actor: Actor, staff_id: int, store_id: int) -> StaffMember:
    """Existing appointments are kept; the staff member is no longer bookable in the store."""
    async with in_transaction():
        staff = await lock_staff(actor.brand_id, staff_id)
        deleted = await StaffAssignment.filter(staff_id=staff_id, store_id=store_id).delete()
        if not deleted:
            raise DomainError.single("storeId", ErrorCode.NOT_FOUND, "not assigned to this store")
        await _record(actor, staff_id, "unassignStaff", ["store"], store_id)
    return staff


async def add_time_off(
    actor: Actor, staff_id: int, starts_at: datetime, ends_at: datetime, reason: str
) -> StaffTimeOff:
    """Existing appointments in the period are kept (cancel them explicitly if need be)."""
    errors = ErrorCollector()
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        errors.add("startsAt", ErrorCode.INVALID, "times need a UTC offset")
    elif not starts_at < ends_at:
        errors.add("endsAt", ErrorCode.INVALID, "time off must end after it starts")
    elif ends_at - starts_at > MAX_TIME_OFF:
        errors.add("endsAt", ErrorCode.INVALID, "at most 366 days at once")
    if len(reason) > 200:
        errors.add("reason", ErrorCode.TOO_LONG, "reason is longer than 200")
    errors.raise_if_any()
    async with in_transaction():
        await lock_staff(actor.brand_id, staff_id)
        row = await StaffTimeOff.create(
            brand_id=actor.brand_id,
            staff_id=staff_id,
            starts_at=starts_at.astimezone(UTC),
            ends_at=ends_at.astimezone(UTC),
            reason=reason.strip(),
        )
        await _record(actor, staff_id, "addStaffTimeOff", ["timeOff"])
    return row


async def remove_time_off(actor: Actor, time_off_id: int) -> StaffMember:
    async with in_transaction():
        row = await StaffTimeOff.get_or_none(brand_id=actor.brand_id, id=time_off_id)
        if row is None:
            raise DomainError.single("id", ErrorCode.NOT_FOUND, "time off not found")
        staff = await lock_staff(actor.brand_id, row.staff_id)
        await row.delete()
        await _record(actor, staff.id, "removeStaffTimeOff", ["timeOff"])
    return staff


async def _record(
    actor: Actor, staff_id: int, operation: str, fields: list[str], store_id: int | None = None
) -> None:
    details: dict[str, Any] = {"fields": fields}
    if store_id is not None:
        details["store"] = store_id
    await audit.record(actor, operation, "StaffMember", staff_id, details)
    await emit(
        actor,
        "staff.updated",
        subject=("StaffMember", staff_id),
        payload={"staff": staff_id, "operation": operation, **details},
    )
