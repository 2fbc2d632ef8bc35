"""A brand's referral rules: which rewards (points and/or an offer for each side), when
(at sign-up, or at the referee's first purchase of at least `minPurchase`), the monthly cap
of rewarded referrals per referrer, and how soon after sign-up a code may be applied."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tortoise.transactions import in_transaction

from models.offers import Offer
from models.referrals import ReferralSettings
from services.common import audit
from services.common.actor import Actor
from services.common.errors import DomainError, ErrorCode, ErrorCollector
from services.loyalty.config import clean_money
from services.loyalty.points import MAX_POINTS

TRIGGERS = ("SIGNUP", "FIRST_PURCHASE")


async def get_settings(brand_id: int) -> ReferralSettings:
    found = await ReferralSettings.get_or_none(brand_id=brand_id)
    if found is not None:
        return found
    await ReferralSettings.bulk_create([ReferralSettings(brand_id=brand_id)], ignore_conflicts=True)
    return await ReferralSettings.get(brand_id=brand_id)


@dataclass(frozen=True)
class SettingsChange:
    values: dict[str, Any]
    clear_referrer_offer: bool = False
    clear_referee_offer: bool = False


async def configure(actor: Actor, change: SettingsChange) -> ReferralSettings:
    errors = ErrorCollector()
    values = dict(change.values)
    if "trigger" in values and values["trigger"] not in TRIGGERS:
        errors.add("trigger", ErrorCode.INVALID, f"trigger must be one of {TRIGGERS}")
    if "min_purchase" in values:
        values["min_purchase"] = clean_money(
            values["min_purchase"] or Decimal(0), "minPurchase", errors, positive=False
        )
    for key in ("referrer_points", "referee_points"):
        if key in values and not 0 <= values[key] <= MAX_POINTS:
            errors.add(key, ErrorCode.INVALID, f"{key} must be 0 to {MAX_POINTS}")
    if "monthly_cap" in values and not 0 <= values["monthly_cap"] <= 10_000:
        errors.add("monthlyCap", ErrorCode.INVALID, "monthlyCap must be 0 to 10000")
    if "attribution_days" in values and not 1 <= values["attribution_days"] <= 365:
        errors.add("attributionDays", ErrorCode.INVALID, "attributionDays must be 1 to 365")
    errors.raise_if_any()
    for key in ("referrer_offer_id", "referee_offer_id"):
        offer_id = values.get(key)
        if offer_id is not None and not await Offer.exists(brand_id=actor.brand_id, id=offer_id):
            raise DomainError.single(key, ErrorCode.NOT_FOUND, "offer not found")
    if change.clear_referrer_offer:
        values["referrer_offer_id"] = None
    if change.clear_referee_offer:
        values["referee_offer_id"] = None
    await get_settings(actor.brand_id)
    async with in_transaction():
        row = await ReferralSettings.select_for_update().get(brand_id=actor.brand_id)
        row.update_from_dict(values)
        await row.save()
        await audit.record(
            actor, "configureReferrals", "ReferralSettings", row.id, {"fields": sorted(values)}
        )
    return row
