"""Brand loyalty settings and the tier ladder (created lazily with defaults)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from tortoise.transactions import in_transaction

from events.outbox import emit_many
from models import Brand, LoyaltySettings, Membership, Tier, TierChange, rows
from services.common import audit
from services.common.actor import Actor
from services.common.db_errors import refuse_nulls
from services.common.errors import DomainError, ErrorCode, ErrorCollector

ROUNDINGS = ("FLOOR", "ROUND", "CEIL")
EXPIRY_RULES = ("NEVER", "DAYS", "END_OF_MONTH")
DOWNGRADE_POLICIES = ("NEVER", "ROLLING", "ANNIVERSARY")
COUPON_REFUND_RULES = ("FULL", "ANY", "NEVER")
SETTINGS = "SELECT * FROM loyalty_settings WHERE brand_id = ?"
SETTINGS_FIELDS = (
    "earn_rate",
    "rounding",
    "expiry_rule",
    "expiry_days",
    "pending_days",
    "daily_cap",
    "promotions",
    "downgrade_policy",
    "review_days",
    "grace_days",
    "new_days",
    "at_risk_days",
    "churned_days",
    "coupon_refund_rule",
)
DEFAULT_MONTHLY_MIN = Decimal("200.00")
DEFAULT_LADDER: list[dict[str, Any]] = [
    {"name": "Regular", "rank": 0, "min_lifetime_spend": Decimal("0.01")},
    {
        "name": "Silver",
        "rank": 1,
        "consecutive_months": 3,
        "monthly_min": DEFAULT_MONTHLY_MIN,
        "points_multiplier": Decimal("1.2"),
        "discount_percent": Decimal("5"),
    },
    {
        "name": "Gold",
        "rank": 2,
        "consecutive_months": 6,
        "monthly_min": DEFAULT_MONTHLY_MIN,
        "points_multiplier": Decimal("1.5"),
        "discount_percent": Decimal("10"),
        "birthday_bonus_points": 200,
        "priority_booking": True,
    },
    {
        "name": "Platinum",
        "rank": 3,
        "consecutive_months": 12,
        "monthly_min": DEFAULT_MONTHLY_MIN,
        "points_multiplier": Decimal("2"),
        "discount_percent": Decimal("15"),
        "birthday_bonus_points": 500,
        "priority_booking": True,
    },
]
TIER_FIELDS = (
    "name",
    "rank",
    "min_lifetime_spend",
    "window_days",
    "window_spend",
    "consecutive_months",
    "monthly_min",
    "min_lifetime_points",
    "discount_percent",
    "points_multiplier",
    "birthday_bonus_points",
    "priority_booking",
    "free_services",
)
EPOCH = date(1970, 1, 1)


def utcnow() -> datetime:
    return datetime.now(UTC)


def clean_money(value: Any, field: str, errors: ErrorCollector, positive: bool = True) -> Decimal:
    """A money amount: a Decimal with at most 2 decimal places (and > 0 unless told)."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors.add(field, ErrorCode.INVALID, f"{field} is not a number")
        return Decimal(0)
    if not amount.is_finite() or amount.as_tuple().exponent < -2:  # type: ignore[operator]
        errors.add(field, ErrorCode.INVALID, f"{field} has more than 2 decimal places")
    elif positive and amount <= 0:
        errors.add(field, ErrorCode.INVALID, f"{field} must be greater than zero")
    elif amount < 0:
        errors.add(field, ErrorCode.INVALID, f"{field} must not be negative")
    elif amount >= Decimal("1e12"):
        errors.add(field, ErrorCode.INVALID, f"{field} is too large")
    else:
        return amount.quantize(Decimal("0.01"))
    return amount


def to_cents(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


@dataclass(frozen=True)
class Calendar:
    """Days and months in the brand's time zone, as integers usable in SQL."""

    tz: ZoneInfo

    def day(self, when: datetime) -> int:
        return (when.astimezone(self.tz).date() - EPOCH).days

    def month(self, when: datetime) -> int:
        local = when.astimezone(self.tz)
        return local.year * 12 + local.month - 1


def calendar(brand: Brand) -> Calendar:
    return Calendar(ZoneInfo(brand.timezone))


# Inside `steady_configuration()`, the settings and ladder read once per brand are kept.
_steady: ContextVar[dict[tuple[str, int], Any] | None] = ContextVar(
    "crm_loyalty_steady", default=None
)


@contextmanager
def steady_configuration() -> Iterator[None]:
    """For work that changes neither (an import's chunk of purchases): the brand's settings and
    tier ladder are read once instead of a few times per purchase."""
    token = _steady.set({})
    try:
        yield
    finally:
        _steady.reset(token)


async def get_settings(brand_id: int) -> LoyaltySettings:
    kept = _steady.get()
    if kept is not None and ("settings", brand_id) in kept:
        return kept[("settings", brand_id)]  # type: ignore[no-any-return]
    found = await rows.fetch_model(LoyaltySettings, SETTINGS, [brand_id])
    if found is None:
        await LoyaltySettings.bulk_create(
            [LoyaltySettings(brand_id=brand_id)], ignore_conflicts=True
        )
        found = await LoyaltySettings.get(brand_id=brand_id)
    if kept is not None:
        kept[("settings", brand_id)] = found
    return found


async def ladder(brand_id: int) -> list[Tier]:
    """The brand's tiers by rank; a brand without one gets the default ladder."""
    kept = _steady.get()
    if kept is not None and ("ladder", brand_id) in kept:
        return list(kept[("ladder", brand_id)])
    tiers = await Tier.filter(brand_id=brand_id).order_by("rank")
    if not tiers:
        await Tier.bulk_create(
            [Tier(brand_id=brand_id, **spec) for spec in DEFAULT_LADDER], ignore_conflicts=True
        )
        tiers = await Tier.filter(brand_id=brand_id).order_by("rank")
    if kept is not None:
        kept[("ladder", brand_id)] = tiers
    return list(tiers)


def _is_date(text: str) -> bool:
    try:
        return date.fromisoformat(text).isoformat() == text
    except ValueError:
        return False


def _clean_settings(changes: dict[str, Any], errors: ErrorCollector) -> dict[str, Any]:
    values = dict(changes)
    if "earn_rate" in values:
        rate = Decimal(str(values["earn_rate"]))
        if rate < 0 or rate.as_tuple().exponent < -4:  # type: ignore[operator]
            errors.add("earn_rate", ErrorCode.INVALID, "earn_rate must be >= 0, 4 decimals")
        values["earn_rate"] = rate
    for key, allowed in (
        ("rounding", ROUNDINGS),
        ("expiry_rule", EXPIRY_RULES),
        ("downgrade_policy", DOWNGRADE_POLICIES),
        ("coupon_refund_rule", COUPON_REFUND_RULES),
    ):
        if key in values and values[key] not in allowed:
            errors.add(key, ErrorCode.INVALID, f"{key} must be one of {', '.join(allowed)}")
    for key in (
        "expiry_days",
        "pending_days",
        "review_days",
        "grace_days",
        "new_days",
        "at_risk_days",
        "churned_days",
        "daily_cap",
    ):
        value = values.get(key)
        if value is not None and (value < 0 or value > 100_000_000):
            errors.add(key, ErrorCode.INVALID, f"{key} must be between 0 and 100000000")
    for i, promo in enumerate(values.get("promotions") or []):
        multiplier = Decimal(str(promo.get("multiplier", 1)))
        if multiplier <= 0 or multiplier > 100:
            errors.add("promotions", ErrorCode.INVALID, f"promotion {i}: bad multiplier")
        for end in ("from", "to"):
            if promo.get(end) is not None and not _is_date(str(promo[end])):
                errors.add("promotions", ErrorCode.INVALID, f"promotion {i}: {end} is YYYY-MM-DD")
        weekdays = promo.get("weekdays") or []
        if any(d not in range(1, 8) for d in weekdays):
            errors.add("promotions", ErrorCode.INVALID, f"promotion {i}: weekdays are 1-7")
    return values


async def set_settings(actor: Actor, changes: dict[str, Any]) -> LoyaltySettings:
    unknown = set(changes) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValueError(f"not loyalty settings: {sorted(unknown)}")
    errors = ErrorCollector()
    refuse_nulls(LoyaltySettings, changes, errors)
    errors.raise_if_any()
    values = _clean_settings(changes, errors)
    errors.raise_if_any()
    await get_settings(actor.brand_id)
    async with in_transaction():
        row = await LoyaltySettings.select_for_update().get(brand_id=actor.brand_id)
        for key, value in values.items():
            setattr(row, key, value)
        await row.save()
        await audit.record(
            actor, "setLoyaltySettings", "LoyaltySettings", row.id, {"fields": sorted(values)}
        )
    return row


def _clean_tier(spec: dict[str, Any], i: int, errors: ErrorCollector) -> dict[str, Any]:
    field = f"tiers[{i}]"
    name = (spec.get("name") or "").strip()
    if not name or len(name) > 64:
        errors.add(field, ErrorCode.INVALID, "a tier needs a name of 1-64 characters")
    values = {k: spec.get(k) for k in TIER_FIELDS if k in spec}
    values["name"] = name
    for key in ("min_lifetime_spend", "window_spend", "monthly_min"):
        if values.get(key) is not None:
            values[key] = clean_money(values[key], f"{field}.{key}", errors, positive=False)
    for key in ("window_days", "consecutive_months", "min_lifetime_points", "rank"):
        number = values.get(key)
        if number is not None and number < 0:
            errors.add(field, ErrorCode.INVALID, f"{key} must not be negative")
    if (values.get("consecutive_months") or 0) > 120:
        errors.add(field, ErrorCode.INVALID, "consecutive_months is at most 120")
    if bool(values.get("window_days")) != (values.get("window_spend") is not None):
        errors.add(field, ErrorCode.INVALID, "window_days and window_spend go together")
    if bool(values.get("consecutive_months")) != (values.get("monthly_min") is not None):
        errors.add(field, ErrorCode.INVALID, "consecutive_months and monthly_min go together")
    multiplier = values.get("points_multiplier")
    if multiplier is not None and not Decimal(0) <= Decimal(str(multiplier)) <= Decimal(100):
        errors.add(field, ErrorCode.INVALID, "points_multiplier must be between 0 and 100")
    discount = values.get("discount_percent")
    if discount is not None and not Decimal(0) <= Decimal(str(discount)) <= Decimal(100):
        errors.add(field, ErrorCode.INVALID, "discount_percent must be between 0 and 100")
    return values


async def set_ladder(actor: Actor, specs: list[dict[str, Any]]) -> list[Tier]:
    """Replace the ladder, matched by rank. Members of a removed tier fall to the lowest."""
    errors = ErrorCollector()
    cleaned = [_clean_tier(spec, i, errors) for i, spec in enumerate(specs)]
    if not cleaned:
        errors.add("tiers", ErrorCode.REQUIRED, "a ladder needs at least one tier")
    ranks = [c.get("rank") for c in cleaned]
    names = [c["name"] for c in cleaned]
    if len(set(ranks)) != len(ranks) or len(set(names)) != len(names):
        errors.add("tiers", ErrorCode.DUPLICATE, "tier ranks and names must be unique")
    errors.raise_if_any()
    await ladder(actor.brand_id)
    async with in_transaction():
        await LoyaltySettings.select_for_update().filter(brand_id=actor.brand_id).first()
        existing = {t.rank: t for t in await Tier.filter(brand_id=actor.brand_id)}
        keep = set(ranks)
        removed = [t.id for r, t in existing.items() if r not in keep]
        old_names = {t.id: t.name for t in existing.values()}
        moved = await Membership.filter(brand_id=actor.brand_id, tier_id__in=removed).values_list(
            "id", "customer_id", "tier_id"
        )
        # names are unique per brand: park the old names before renaming
        for tier in existing.values():
            tier.name = f"~{tier.id}"
            await tier.save(update_fields=["name"])
        if removed:
            await Tier.filter(id__in=removed).delete()
        for values in cleaned:
            found = existing.get(values["rank"])
            defaults = {k: Tier._meta.fields_map[k].default for k in TIER_FIELDS if k not in values}
            if found is None or found.id in removed:
                await Tier.create(brand_id=actor.brand_id, **{**defaults, **values})
            else:
                await Tier.filter(id=found.id).update(**{**defaults, **values})
        tiers = await Tier.filter(brand_id=actor.brand_id).order_by("rank")
        await Membership.filter(brand_id=actor.brand_id, tier_id=None).update(
            tier_id=tiers[0].id, tier_since=utcnow()
        )
        await _record_moves(actor, moved, old_names, tiers[0].name)
        await audit.record(actor, "setTierLadder", "Brand", actor.brand_id, {"tiers": names})
    return tiers


async def _record_moves(
    actor: Actor, moved: list[tuple[int, int, int]], old_names: dict[int, str], lowest: str
) -> None:
    """Members of removed tiers: a history row and a `membership.tier_changed` event each."""
    changes = [
        (membership_id, customer_id, old_names[tier_id], f"tier {old_names[tier_id]} removed")
        for membership_id, customer_id, tier_id in moved
    ]
    await TierChange.bulk_create(
        [
            TierChange(
                brand_id=actor.brand_id, membership_id=m, from_tier=old, to_tier=lowest, reason=why
            )
            for m, _, old, why in changes
        ],
        batch_size=1000,
    )
    await emit_many(
        actor,
        "membership.tier_changed",
        [
            (c, ("Membership", m), {"from": old, "to": lowest, "reason": why})
            for m, c, old, why in changes
        ],
    )


async def tier_by_name(brand_id: int, name: str, field: str) -> Tier:
    tier = next((t for t in await ladder(brand_id) if t.name == name.strip()), None)
    if tier is None:
        raise DomainError.single(field, ErrorCode.UNKNOWN_TIER, f"no tier named '{name}'")
    return tier
