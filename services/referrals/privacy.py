"""Referrals in a data export (the member's code, the referrals they made, how they were
referred, rewards and invites; never the other person's name or contact) and an erasure (the
code and invites go; referrals and rewards stay for the brand's accounting, and the referee's
contact hashes stay so a phone or email is never referred twice)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from models import Customer
from models.referrals import Referral, ReferralCode, ReferralInvite, ReferralReward
from services.common.actor import Actor
from services.privacy.registry import erasure_hook, iso, one, paged, section


@section("referralCode", single=True, description="The member's own referral code.")
async def _code(brand_id: int, customer_id: int) -> AsyncIterator[list[dict[str, Any]]]:
    found = await ReferralCode.get_or_none(brand_id=brand_id, customer_id=customer_id)
    row = None if found is None else {"code": found.code, "createdAt": iso(found.created_at)}
    async for page in one(row):
        yield page


def _referral(r: Referral, role: str) -> dict[str, Any]:
    return {
        "role": role,
        "status": r.status,
        "createdAt": iso(r.created_at),
        "convertedAt": iso(r.converted_at),
    }


@section("referrals", description="Referrals made (REFERRER) and received (REFEREE).")
async def _referrals(brand_id: int, customer_id: int) -> AsyncIterator[list[dict[str, Any]]]:
    async def made(rows: list[Referral]) -> list[dict[str, Any]]:
        return [_referral(r, "REFERRER") for r in rows]

    async def received(rows: list[Referral]) -> list[dict[str, Any]]:
        return [_referral(r, "REFEREE") for r in rows]

    async for page in paged(Referral.filter(brand_id=brand_id, referee_id=customer_id), received):
        yield page
    async for page in paged(Referral.filter(brand_id=brand_id, referrer_id=customer_id), made):
        yield page


@section("referralRewards", description="Points and coupons earned through referrals.")
async def _rewards(brand_id: int, customer_id: int) -> AsyncIterator[list[dict[str, Any]]]:
    async def convert(rows: list[ReferralReward]) -> list[dict[str, Any]]:
        return [
            {
                "side": r.side,
                "points": r.points,
                "coupons": r.coupons,
                "createdAt": iso(r.created_at),
            }
            for r in rows
        ]

    query = ReferralReward.filter(brand_id=brand_id, customer_id=customer_id)
    async for page in paged(query, convert):
        yield page


@section("referralInvites", description="Invitations the member said they sent, by channel.")
async def _invites(brand_id: int, customer_id: int) -> AsyncIterator[list[dict[str, Any]]]:
    async def convert(rows: list[ReferralInvite]) -> list[dict[str, Any]]:
        return [{"channel": i.channel, "createdAt": iso(i.created_at)} for i in rows]

    query = ReferralInvite.filter(brand_id=brand_id, referrer_id=customer_id)
    async for page in paged(query, convert):
        yield page


@erasure_hook("referrals")
async def _erase(actor: Actor, customer: Customer) -> None:
    await ReferralCode.filter(brand_id=customer.brand_id, customer_id=customer.id).delete()
    await ReferralInvite.filter(brand_id=customer.brand_id, referrer_id=customer.id).delete()
