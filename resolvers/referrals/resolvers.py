"""Referral reads and writes: ids decoded, services called, a customer limited to itself."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from auth.context import Context
from resolvers.errors import bad_input
from resolvers.loaders import BrandKey, get_loader, group_by_brand
from resolvers.results import MutationResult, decode_or_error, run
from services.referrals import codes, referrals, report
from services.referrals import settings as referral_settings
from services.referrals.report import ReferralReport
from services.referrals.settings import SettingsChange

if TYPE_CHECKING:
    from models import Customer
    from models.referrals import Referral, ReferralInvite, ReferralReward, ReferralSettings

MAX_REFERRALS = 100


async def _codes(keys: Sequence[BrandKey]) -> list[str]:
    found: dict[BrandKey, str] = {}
    for brand_id, ids in group_by_brand(keys).items():
        for customer_id, code in (await codes.codes_for(brand_id, ids)).items():
            found[(brand_id, customer_id)] = code
    return [found[key] for key in keys]


async def referral_code(context: Context, customer: Customer) -> str:
    loader = get_loader(context, "referral_codes", _codes)
    return await loader.load((customer.brand_id, customer.id))  # type: ignore[no-any-return]


async def referrals_made(context: Context, customer: Customer) -> list[Referral]:
    return await referrals.referrals_made(customer.brand_id, customer.id, MAX_REFERRALS)


async def referred_by(context: Context, customer: Customer) -> Referral | None:
    return await referrals.referral_of(customer.brand_id, customer.id)


async def rewards_of(context: Context, referral: Referral) -> list[ReferralReward]:
    return await referrals.rewards_of(referral.id)


async def apply_code(context: Context, customer_id: str, code: str) -> MutationResult[Referral]:
    async def operation() -> Referral:
        pk = decode_or_error(customer_id, "Customer", "customerId")
        return await referrals.apply_code(context.actor, pk, code)

    return await run(operation())


async def record_invite(
    context: Context, customer_id: str, channel: str
) -> MutationResult[ReferralInvite]:
    async def operation() -> ReferralInvite:
        pk = decode_or_error(customer_id, "Customer", "customerId")
        return await referrals.record_invite(context.actor, pk, channel)

    return await run(operation())


async def settings(context: Context) -> ReferralSettings:
    return await referral_settings.get_settings(context.require_brand().id)


async def configure(
    context: Context,
    values: dict[str, object],
    referrer_offer: str | None,
    referee_offer: str | None,
    clear_referrer: bool,
    clear_referee: bool,
) -> MutationResult[ReferralSettings]:
    async def operation() -> ReferralSettings:
        full = dict(values)
        if referrer_offer:
            full["referrer_offer_id"] = decode_or_error(referrer_offer, "Offer", "referrerOfferId")
        if referee_offer:
            full["referee_offer_id"] = decode_or_error(referee_offer, "Offer", "refereeOfferId")
        change = SettingsChange(full, clear_referrer, clear_referee)
        return await referral_settings.configure(context.actor, change)

    return await run(operation())


async def referral_report(context: Context, frm: datetime, to: datetime) -> ReferralReport:
    if frm >= to or to - frm > report.MAX_RANGE:
        raise bad_input("`from` must be before `to`, at most 3660 days apart")
    return await report.referral_report(context.require_brand().id, frm, to)
