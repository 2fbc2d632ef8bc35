"""Attribution: a new customer names a referrer's code (at creation, or soon after with
applyReferralCode). Abuse limits, each a typed refusal: the programme must be on
(REFERRALS_DISABLED), the code must exist (NOT_FOUND), no self-referral by id, phone or
email (SELF_REFERRAL), a customer, phone or email is referred once per brand, enforced by
unique constraints (ALREADY_REFERRED), the referrer is under the monthly cap of rewarded
referrals (REFERRAL_LIMIT_REACHED), and the referee is new: no purchase yet, created within
`attributionDays` (NOT_ELIGIBLE)."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from events.outbox import Event, emit
from events.reactions import react
from models import Brand, Customer, Purchase
from models.referrals import Referral, ReferralInvite, ReferralReward
from services.common import audit
from services.common.actor import Actor
from services.common.errors import DomainError, ErrorCode
from services.loyalty.config import calendar, utcnow
from services.loyalty.memberships import lock_customer_row
from services.referrals import codes, rewards
from services.referrals import merge as referral_merge
from services.referrals.settings import get_settings

referral_merge.register()
FIELD = "referralCode"
INVITE_CHANNELS = ("LINK", "SMS", "EMAIL", "WECHAT", "SOCIAL", "IN_STORE", "OTHER")


def contact_hash(value: str | None) -> str | None:
    return hashlib.sha256(f"referral:{value}".encode()).hexdigest() if value else None


def _refused(code: ErrorCode, message: str) -> DomainError:
    return DomainError.single(FIELD, code, message)


async def _check(brand_id: int, referee: Customer, referrer_id: int) -> None:
    if referrer_id == referee.id:
        raise _refused(ErrorCode.SELF_REFERRAL, "customers cannot refer themselves")
    referrer = await Customer.get(id=referrer_id)
    same_phone = referee.phone is not None and referee.phone == referrer.phone
    same_email = referee.email is not None and referee.email == referrer.email
    if same_phone or same_email:
        raise _refused(ErrorCode.SELF_REFERRAL, "customers cannot refer themselves")
    hashes = [h for h in (contact_hash(referee.phone), contact_hash(referee.email)) if h]
    taken = await Referral.filter(brand_id=brand_id, referee_id=referee.id).exists() or (
        hashes
        and (
            await Referral.filter(brand_id=brand_id, phone_hash__in=hashes).exists()
            or await Referral.filter(brand_id=brand_id, email_hash__in=hashes).exists()
        )
    )
    if taken:
        raise _refused(ErrorCode.ALREADY_REFERRED, "this customer, phone or email was referred")


async def attribute(actor: Actor, referee: Customer, code: str) -> Referral:
    """Inside the caller's transaction, with the referee's row written (and locked)."""
    settings = await get_settings(actor.brand_id)
    if not settings.enabled:
        raise _refused(ErrorCode.REFERRALS_DISABLED, "the referral programme is off")
    referrer_id = await codes.referrer_of(actor.brand_id, code)
    if referrer_id is None:
        raise _refused(ErrorCode.NOT_FOUND, "no such referral code")
    await _check(actor.brand_id, referee, referrer_id)
    month = calendar(await Brand.get(id=actor.brand_id)).month(utcnow())
    if await rewards.rewarded_this_month(actor.brand_id, referrer_id, month) >= (
        settings.monthly_cap
    ):
        raise _refused(
            ErrorCode.REFERRAL_LIMIT_REACHED, "the referrer has reached this month's limit"
        )
    try:
        async with in_transaction():  # a savepoint: the unique constraints decide races
            referral = await Referral.create(
                brand_id=actor.brand_id,
                referrer_id=referrer_id,
                referee_id=referee.id,
                phone_hash=contact_hash(referee.phone),
                email_hash=contact_hash(referee.email),
            )
    except IntegrityError:
        raise _refused(
            ErrorCode.ALREADY_REFERRED, "this customer, phone or email was referred"
        ) from None
    details = {"referral": referral.id, "referrer": referrer_id}
    await audit.record(actor, "applyReferralCode", "Customer", referee.id, details)
    await emit(
        actor,
        "referral.attributed",
        customer_id=referee.id,
        subject=("Referral", referral.id),
        payload=details,
    )
    if settings.trigger == "SIGNUP":
        await rewards.convert(actor, referral, settings, None)
    return referral


async def apply_code(actor: Actor, customer_id: int, code: str) -> Referral:
    """For an existing customer (a customer token applies a code to itself only)."""
    if actor.kind == "customer" and str(customer_id) != actor.subject:
        raise DomainError.single("customerId", ErrorCode.NOT_FOUND, "customer not found")
    settings = await get_settings(actor.brand_id)
    async with in_transaction():
        await lock_customer_row(actor.brand_id, customer_id, "customerId")
        referee = await Customer.get(id=customer_id)
        too_old = referee.created_at < utcnow() - timedelta(days=settings.attribution_days)
        if too_old or await Purchase.exists(brand_id=actor.brand_id, customer_id=customer_id):
            raise DomainError.single(
                "customerId",
                ErrorCode.NOT_ELIGIBLE,
                "only new customers (no purchase yet) can use a referral code",
            )
        return await attribute(actor, referee, code)


async def record_invite(actor: Actor, customer_id: int, channel: str) -> ReferralInvite:
    if actor.kind == "customer" and str(customer_id) != actor.subject:
        raise DomainError.single("customerId", ErrorCode.NOT_FOUND, "customer not found")
    if channel not in INVITE_CHANNELS:
        raise DomainError.single(
            "channel", ErrorCode.INVALID, f"channel must be one of {INVITE_CHANNELS}"
        )
    async with in_transaction():
        await lock_customer_row(actor.brand_id, customer_id, "customerId")
        invite = await ReferralInvite.create(
            brand_id=actor.brand_id, referrer_id=customer_id, channel=channel
        )
        await audit.record(
            actor, "recordReferralInvite", "Customer", customer_id, {"channel": channel}
        )
        await emit(
            actor,
            "referral.invited",
            customer_id=customer_id,
            subject=("Customer", customer_id),
            payload={"channel": channel},
        )
    return invite


@react("purchase.recorded")
async def convert_on_purchase(event: Event) -> None:
    """FIRST_PURCHASE programmes: the referee's first purchase of at least `minPurchase`
    converts the referral (run by the relay after the purchase commits; a replayed event
    finds the referral converted)."""
    if event.customer_id is None or not event.subject_id:
        return
    referral = await Referral.get_or_none(
        brand_id=event.brand_id, referee_id=event.customer_id, status="SIGNED_UP"
    )
    if referral is None:
        return
    settings = await get_settings(event.brand_id)
    purchase = await Purchase.get_or_none(brand_id=event.brand_id, id=int(event.subject_id))
    if settings.trigger != "FIRST_PURCHASE" or purchase is None:
        return
    if purchase.amount - purchase.refunded_amount < settings.min_purchase:
        return
    actor = Actor(event.brand_id, "system", "referrals", f"event:{event.seq}")
    await rewards.convert(actor, referral, settings, purchase.id)


async def referrals_made(brand_id: int, referrer_id: int, limit: int) -> list[Referral]:
    """The customer's `limit` newest referrals."""
    query = Referral.filter(brand_id=brand_id, referrer_id=referrer_id)
    return await query.order_by("-created_at", "-id").limit(limit)


async def referral_of(brand_id: int, referee_id: int) -> Referral | None:
    """The referral that brought the customer, if one did."""
    return await Referral.get_or_none(brand_id=brand_id, referee_id=referee_id)


async def rewards_of(referral_id: int) -> list[ReferralReward]:
    return await ReferralReward.filter(referral_id=referral_id).order_by("id")
