"""Priority holds: periods of a store (or of one staff member there) whose slots only tiers
with priority booking may take, until `priorityReleaseHours` before the period starts, when
they are released to everyone. Appointments already in the period are not affected."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tortoise.transactions import in_transaction

from events.outbox import emit
from models.appointments import PriorityHold
from models.stores import StaffMember, Store
from services.common import audit
from services.common.actor import Actor
from services.common.errors import DomainError, ErrorCode

MAX_HOLD = timedelta(days=31)


async def create_hold(
    actor: Actor, store_id: int, staff_id: int | None, starts_at: datetime, ends_at: datetime
) -> PriorityHold:
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise DomainError.single("startsAt", ErrorCode.INVALID, "times need a UTC offset")
    if not starts_at < ends_at or ends_at - starts_at > MAX_HOLD:
        raise DomainError.single(
            "endsAt", ErrorCode.INVALID, "a hold ends after it starts, 31 days at most"
        )
    async with in_transaction():
        store = await Store.select_for_update().get_or_none(brand_id=actor.brand_id, id=store_id)
        if store is None:
            raise DomainError.single("storeId", ErrorCode.NOT_FOUND, "store not found")
        if staff_id is not None and not await StaffMember.exists(
            brand_id=actor.brand_id, id=staff_id
        ):
            raise DomainError.single("staffId", ErrorCode.NOT_FOUND, "staff member not found")
        hold = await PriorityHold.create(
            brand_id=actor.brand_id,
            store_id=store.id,
            staff_id=staff_id,
            starts_at=starts_at.astimezone(UTC),
            ends_at=ends_at.astimezone(UTC),
        )
        await _record(actor, store.id, "createPriorityHold", hold.id)
    return hold


async def remove_hold(actor: Actor, hold_id: int) -> int:
    async with in_transaction():
        hold = await PriorityHold.get_or_none(brand_id=actor.brand_id, id=hold_id)
        if hold is None:
            raise DomainError.single("id", ErrorCode.NOT_FOUND, "priority hold not found")
        await hold.delete()
        await _record(actor, hold.store_id, "removePriorityHold", hold_id)
    return hold_id


async def _record(actor: Actor, store_id: int, operation: str, hold_id: int) -> None:
    await audit.record(actor, operation, "Store", store_id, {"hold": hold_id})
    await emit(
        actor,
        "store.updated",
        subject=("Store", store_id),
        payload={"store": store_id, "operation": operation, "hold": hold_id},
    )


async def holds_of(brand_id: int, store_id: int, frm: datetime, to: datetime) -> list[PriorityHold]:
    return (
        await PriorityHold.filter(
            brand_id=brand_id, store_id=store_id, starts_at__lt=to, ends_at__gt=frm
        )
        .order_by("starts_at")
        .limit(500)
    )
