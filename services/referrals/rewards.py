"""Paying a referral's rewards, once: the referral moves SIGNED_UP -> CONVERTED in one
conditional UPDATE (a retry or a racing twin finds it converted and stops), and each reward
is a row unique per (referral, side) written before anything is paid, so a side is paid at
most once whatever runs twice. Points go through the ledger with an idempotency key,
coupons through offer issuance with one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from events.outbox import emit
from models import Brand
from models.referrals import Referral, ReferralReward, ReferralSettings
from services.common import audit
from services.common.actor import Actor
from services.common.errors import DomainError
from services.common.sql import execute, fetch
from services.loyalty import points
from services.loyalty.config import calendar, utcnow
from services.offers import issuance

CONVERT = (
    "UPDATE referrals SET status = 'CONVERTED', converted_at = ?, purchase_id = ?"
    " WHERE id = ? AND status = 'SIGNED_UP'"
)
CLAIM = (
    "INSERT INTO referral_rewards (brand_id, referral_id, side, customer_id, points, coupons,"
    " month, created_at) VALUES (?, ?, ?, ?, 0, 0, ?, ?)"
    " ON CONFLICT (referral_id, side) DO NOTHING RETURNING id"
)


async def _claim(
    referral: Referral, side: str, customer_id: int, month: int, now: datetime
) -> int | None:
    """The new reward row's id, or None when this side was rewarded already."""
    rows = await fetch(CLAIM, [referral.brand_id, referral.id, side, customer_id, month, now])
    return int(rows[0]["id"]) if rows else None


async def _pay(
    actor: Actor,
    reward_id: int,
    referral: Referral,
    side: str,
    customer_id: int,
    points_: int,
    offer_id: int | None,
) -> dict[str, Any]:
    key = f"referral:{referral.id}:{side}"
    paid: dict[str, Any] = {"side": side, "customer": customer_id, "points": 0, "coupons": 0}
    tx_id = None
    if points_ > 0:
        reason = f"referral {referral.id} ({side.lower()})"
        tx = await points.award_points(actor, customer_id, points_, reason, "referral", key)
        paid["points"], tx_id = points_, tx.id
    if offer_id is not None:
        try:
            paid["coupons"] = await issuance.issue(
                actor, offer_id, customer_ids=[customer_id], idempotency_key=key
            )
        except DomainError as exc:  # out of stock, ended...: points still paid, noted
            paid["couponError"] = exc.errors[0].code.value
    await ReferralReward.filter(id=reward_id).update(
        points=paid["points"],
        points_transaction_id=tx_id,
        offer_id=offer_id,
        coupons=paid["coupons"],
    )
    return paid


async def rewarded_this_month(brand_id: int, referrer_id: int, month: int) -> int:
    return await ReferralReward.filter(
        brand_id=brand_id, customer_id=referrer_id, side="REFERRER", month=month
    ).count()


async def convert(
    actor: Actor, referral: Referral, settings: ReferralSettings, purchase_id: int | None
) -> bool:
    """Inside the caller's transaction. False when the referral was converted already."""
    now = utcnow()
    if not await execute(CONVERT, [now, purchase_id, referral.id]):
        return False
    brand = await Brand.get(id=referral.brand_id)
    month = calendar(brand).month(now)
    # The referrer's code row serialises the cap check of their concurrent conversions.
    await fetch(
        "SELECT id FROM referral_codes WHERE brand_id = ? AND customer_id = ?",
        [referral.brand_id, referral.referrer_id],
        for_update=True,
    )
    paid: list[dict[str, Any]] = []
    capped = False
    if referral.referee_id is not None:
        reward = await _claim(referral, "REFEREE", referral.referee_id, month, now)
        if reward is not None:
            paid.append(
                await _pay(
                    actor,
                    reward,
                    referral,
                    "REFEREE",
                    referral.referee_id,
                    settings.referee_points,
                    settings.referee_offer_id,
                )
            )
    if await rewarded_this_month(referral.brand_id, referral.referrer_id, month) >= (
        settings.monthly_cap
    ):
        capped = True
    else:
        reward = await _claim(referral, "REFERRER", referral.referrer_id, month, now)
        if reward is not None:
            paid.append(
                await _pay(
                    actor,
                    reward,
                    referral,
                    "REFERRER",
                    referral.referrer_id,
                    settings.referrer_points,
                    settings.referrer_offer_id,
                )
            )
    details = {"referral": referral.id, "purchase": purchase_id, "rewards": paid, "capped": capped}
    await audit.record(actor, "convertReferral", "Customer", referral.referrer_id, details)
    await emit(
        actor,
        "referral.converted",
        customer_id=referral.referrer_id,
        subject=("Referral", referral.id),
        payload={"referee": referral.referee_id, **details},
    )
    return True
