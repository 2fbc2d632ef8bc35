"""The referral report over [from, to): invites, sign-ups, first purchases (conversions),
rewards paid, and the referral rate.

Referral rate: the share of the customers created in the period who signed up through a
referral, in percent (None without new customers). `referral_rate` is the function the
analytics domain reads (`analytics.referralRate`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from models import Customer
from models.referrals import Referral, ReferralInvite, ReferralReward

MAX_RANGE = timedelta(days=3660)


@dataclass(frozen=True)
class ReferralReport:
    invites: int
    sign_ups: int
    first_purchases: int
    rewards_paid: int
    points_paid: int
    coupons_issued: int
    new_customers: int
    referral_rate: float | None


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


async def _new_customers(brand_id: int, frm: datetime, to: datetime) -> int:
    return await Customer.filter(brand_id=brand_id, created_at__gte=frm, created_at__lt=to).count()


async def _sign_ups(brand_id: int, frm: datetime, to: datetime) -> int:
    return await Referral.filter(brand_id=brand_id, created_at__gte=frm, created_at__lt=to).count()


async def referral_rate(brand_id: int, frm: datetime, to: datetime) -> float | None:
    """Referred sign-ups / new customers in [frm, to), in percent."""
    return _rate(*await referred_sign_ups(brand_id, frm, to))


async def referred_sign_ups(brand_id: int, frm: datetime, to: datetime) -> tuple[int, int]:
    """(referred sign-ups, new customers) in [frm, to)."""
    return await _sign_ups(brand_id, frm, to), await _new_customers(brand_id, frm, to)


async def referral_report(brand_id: int, frm: datetime, to: datetime) -> ReferralReport:
    sign_ups = await _sign_ups(brand_id, frm, to)
    new_customers = await _new_customers(brand_id, frm, to)
    rewards = await ReferralReward.filter(
        brand_id=brand_id, created_at__gte=frm, created_at__lt=to
    ).values_list("points", "coupons")
    return ReferralReport(
        invites=await ReferralInvite.filter(
            brand_id=brand_id, created_at__gte=frm, created_at__lt=to
        ).count(),
        sign_ups=sign_ups,
        first_purchases=await Referral.filter(
            brand_id=brand_id,
            converted_at__gte=frm,
            converted_at__lt=to,
            purchase_id__not_isnull=True,
        ).count(),
        rewards_paid=len(rewards),
        points_paid=sum(int(p) for p, _ in rewards),
        coupons_issued=sum(int(c) for _, c in rewards),
        new_customers=new_customers,
        referral_rate=_rate(sign_ups, new_customers),
    )
