"""A brand's booking policy: slot grid, booking windows per tier, priority holds, late
cancellation, no-shows, reminders. Tier benefits become behaviour here: a tier with
`priorityBooking` books `priorityWindowDays` ahead (unless it has its own window) and may
take slots held for priority tiers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tortoise.transactions import in_transaction

from models import Membership, Tier
from models.appointments import BookingPolicy
from services.common import audit
from services.common.actor import Actor
from services.common.errors import ErrorCode, ErrorCollector
from services.loyalty import config as loyalty_config

MAX_TIER_WINDOWS = 50
# field -> (lowest, highest) allowed
RANGES: dict[str, tuple[int, int]] = {
    "slot_minutes": (5, 240),
    "min_notice_minutes": (0, 7 * 24 * 60),
    "booking_window_days": (1, 365),
    "priority_window_days": (1, 365),
    "priority_release_hours": (0, 24 * 365),
    "late_cancel_hours": (0, 24 * 30),
    "late_cancel_penalty_points": (0, 1_000_000),
    "no_show_limit": (0, 100),
    "no_show_window_days": (1, 3650),
    "no_show_penalty_points": (0, 1_000_000),
    "reminder_hours": (1, 24 * 14),
}


async def get_policy(brand_id: int) -> BookingPolicy:
    found = await BookingPolicy.get_or_none(brand_id=brand_id)
    if found is not None:
        return found
    await BookingPolicy.bulk_create([BookingPolicy(brand_id=brand_id)], ignore_conflicts=True)
    return await BookingPolicy.get(brand_id=brand_id)


async def set_policy(actor: Actor, changes: dict[str, Any]) -> BookingPolicy:
    errors = ErrorCollector()
    values: dict[str, Any] = {}
    for key, value in changes.items():
        if key == "tier_windows":
            continue
        low, high = RANGES[key]
        if not low <= value <= high:
            errors.add(key, ErrorCode.INVALID, f"{key} must be between {low} and {high}")
        values[key] = value
    if len(changes.get("tier_windows") or []) > MAX_TIER_WINDOWS:
        errors.add("tier_windows", ErrorCode.INVALID, f"at most {MAX_TIER_WINDOWS} tier windows")
    elif changes.get("tier_windows") is not None:
        names = {t.name for t in await loyalty_config.ladder(actor.brand_id)}
        windows: list[dict[str, Any]] = []
        for tier, days in changes["tier_windows"]:
            if tier not in names:
                errors.add("tier_windows", ErrorCode.UNKNOWN_TIER, f"no tier named '{tier}'")
            elif not 1 <= days <= 365 or any(w["tier"] == tier for w in windows):
                errors.add("tier_windows", ErrorCode.INVALID, "one window of 1-365 days a tier")
            else:
                windows.append({"tier": tier, "days": days})
        values["tier_windows"] = windows
    errors.raise_if_any()
    await get_policy(actor.brand_id)
    async with in_transaction():
        policy = await BookingPolicy.select_for_update().get(brand_id=actor.brand_id)
        policy.update_from_dict(values)
        await policy.save()
        await audit.record(
            actor, "configureBooking", "BookingPolicy", policy.id, {"fields": sorted(values)}
        )
    return policy


@dataclass(frozen=True)
class Standing:
    """What a customer's tier gives them when booking."""

    tier: str | None
    priority: bool
    window_days: int

    def window_end(self, now: datetime) -> datetime:
        return now + timedelta(days=self.window_days)


def standing_of(policy: BookingPolicy, tier: Tier | None) -> Standing:
    priority = bool(tier and tier.priority_booking)
    days = policy.priority_window_days if priority else policy.booking_window_days
    for window in policy.tier_windows or []:
        if tier is not None and window["tier"] == tier.name:
            days = int(window["days"])
    return Standing(tier.name if tier else None, priority, days)


async def customer_standing(policy: BookingPolicy, brand_id: int, customer_id: int) -> Standing:
    member = await Membership.get_or_none(brand_id=brand_id, customer_id=customer_id)
    tier = await Tier.get_or_none(id=member.tier_id) if member and member.tier_id else None
    return standing_of(policy, tier)


def widest_window(policy: BookingPolicy) -> int:
    days = [policy.booking_window_days, policy.priority_window_days]
    return max(days + [int(w["days"]) for w in policy.tier_windows or []])
