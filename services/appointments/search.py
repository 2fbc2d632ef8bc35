"""`availableSlots`: the query around `availability.find_slots` (its checks and limits).

Limits: [from, to) spans at most 31 days (`availability.MAX_RANGE`); at most 500 slots
(`availability.MAX_SLOTS`) are returned, soonest first. A customer's search stops at the
end of their tier's booking window and hides slots held for priority tiers unless their
tier has priority booking; a staff search without a customer shows every slot up to the
widest window, held ones flagged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from models import Customer
from models.appointments import BookableService
from models.stores import Store
from services.appointments import availability
from services.appointments.availability import MAX_SLOTS, Slot, check_range, utcnow
from services.appointments.policy import customer_standing, get_policy, widest_window


class SearchError(ValueError):
    def __init__(self, message: str, code: str = "BAD_USER_INPUT") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class SlotQuery:
    store_id: int
    service_id: int
    staff_id: int | None
    frm: datetime
    to: datetime
    customer_id: int | None = None
    first: int = 100


async def available_slots(
    brand_id: int, query: SlotQuery, now: datetime | None = None
) -> list[Slot]:
    try:
        check_range(query.frm, query.to)
    except availability.RangeError as exc:
        raise SearchError(str(exc)) from exc
    if not 1 <= query.first <= MAX_SLOTS:
        raise SearchError(f"first must be between 1 and {MAX_SLOTS}")
    store = await Store.get_or_none(brand_id=brand_id, id=query.store_id)
    if store is None:
        raise SearchError("store not found", "NOT_FOUND")
    service = await BookableService.get_or_none(brand_id=brand_id, id=query.service_id)
    if service is None:
        raise SearchError("service not found", "NOT_FOUND")
    policy = await get_policy(brand_id)
    now = now or utcnow()
    standing = None
    to = query.to
    if query.customer_id is not None:
        if not await Customer.exists(brand_id=brand_id, id=query.customer_id):
            raise SearchError("customer not found", "NOT_FOUND")
        standing = await customer_standing(policy, brand_id, query.customer_id)
    else:
        to = min(to, now + timedelta(days=widest_window(policy)))
    bookable = await availability.bookable_staff(store, service, query.staff_id)
    return await availability.find_slots(
        bookable, policy, query.frm, to, now, standing, query.first
    )
