"""The points ledger: lots, earning, redemption, expiry, all under the member's row lock."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from events.outbox import emit
from models import Brand, LoyaltySettings, Membership, PointsTransaction, rows
from services.common import audit
from services.common.actor import Actor
from services.common.errors import DomainError, ErrorCode, ErrorCollector
from services.loyalty import memberships
from services.loyalty.config import calendar, get_settings, utcnow

KINDS = ("EARN", "REDEEM", "EXPIRE", "ADJUST", "REVERSE", "RELEASE")
SOURCES = ("purchase", "offer", "ticket", "survey", "staff", "referral", "import")
MAX_POINTS = 100_000_000
BY_KEY = "SELECT * FROM points_transactions WHERE brand_id = ? AND idempotency_key = ?"


def fingerprint(operation: str, **fields: Any) -> str:
    raw = json.dumps({"op": operation, **fields}, sort_keys=True, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def check_points(points: int, errors: ErrorCollector, field: str = "points") -> None:
    if points <= 0:
        errors.add(field, ErrorCode.INVALID, "points must be greater than zero")
    elif points > MAX_POINTS:
        errors.add(field, ErrorCode.INVALID, f"points must be at most {MAX_POINTS}")


def check_key(key: str | None, errors: ErrorCollector) -> None:
    if key is not None and not 1 <= len(key.strip()) <= 200:
        errors.add("idempotency_key", ErrorCode.INVALID, "idempotencyKey must be 1-200 characters")


def lot_expiry(settings: LoyaltySettings, earned_at: datetime, tz: Any) -> datetime | None:
    if settings.expiry_rule == "DAYS":
        return earned_at + timedelta(days=settings.expiry_days)
    if settings.expiry_rule == "END_OF_MONTH":
        local = earned_at.astimezone(tz)
        first_next = (local.replace(day=28) + timedelta(days=4)).replace(
            day=1, hour=0, minute=0, second=0, microsecond=0
        )
        return first_next
    return None


async def expiry_from_now(brand_id: int) -> datetime | None:
    """The expiry of a lot credited now, by the brand's rule."""
    settings = await get_settings(brand_id)
    tz = None
    if settings.expiry_rule == "END_OF_MONTH":  # the only rule that needs the brand's zone
        tz = calendar(await Brand.get(id=brand_id)).tz
    return lot_expiry(settings, utcnow(), tz)


async def _append(
    actor: Actor,
    m: Membership,
    kind: str,
    amount: int,
    source: str,
    reason: str,
    *,
    lot_points: int = 0,
    purchase_id: int | None = None,
    key: str | None = None,
    fp: str | None = None,
    pending_until: datetime | None = None,
    expires_at: datetime | None = None,
) -> PointsTransaction:
    """Save the locked membership's balances and append its ledger row (a lot when lot_points)."""
    await memberships.save_balances(m)
    return await rows.insert(
        PointsTransaction,
        {
            "brand_id": m.brand_id,
            "customer_id": m.customer_id,
            "kind": kind,
            "amount": amount,
            "balance_after": m.available,
            "reason": reason,
            "source": source,
            "actor": actor.label,
            "idempotency_key": key,
            "fingerprint": fp,
            "purchase_id": purchase_id,
            "lot_points": lot_points,
            "remaining": lot_points,
            "pending_until": pending_until,
            "expires_at": expires_at,
        },
    )


async def add_lot(
    actor: Actor,
    m: Membership,
    kind: str,
    points: int,
    source: str,
    reason: str,
    *,
    expires_at: datetime | None = None,
    pending_until: datetime | None = None,
    purchase_id: int | None = None,
    key: str | None = None,
    fp: str | None = None,
) -> PointsTransaction:
    """Credit a lot to a locked membership (pending lots count only once released)."""
    pending = pending_until is not None
    if pending:
        m.pending += points
    else:
        m.available += points
    if kind == "EARN":
        m.lifetime_earned += points
    return await _append(
        actor,
        m,
        kind,
        0 if pending else points,
        source,
        reason,
        lot_points=points,
        purchase_id=purchase_id,
        key=key,
        fp=fp,
        pending_until=pending_until,
        expires_at=expires_at,
    )


async def consume(m: Membership, points: int, prefer_purchase: int | None = None) -> None:
    """Take points from released lots: a given purchase's lot first, then soonest expiry first."""
    lots = await PointsTransaction.filter(
        customer_id=m.customer_id, brand_id=m.brand_id, remaining__gt=0, pending_until=None
    ).order_by("id")
    far = datetime.max.replace(tzinfo=utcnow().tzinfo)
    lots.sort(
        key=lambda lot: (
            lot.purchase_id != prefer_purchase if prefer_purchase else 0,
            lot.expires_at or far,
            lot.id,
        )
    )
    left = points
    for lot in lots:
        if left == 0:
            break
        take = min(left, lot.remaining)
        lot.remaining -= take
        left -= take
        await lot.save(update_fields=["remaining"])
    if left:  # the balance row says otherwise: never silently go negative
        raise RuntimeError(f"ledger lots short by {left} for membership {m.id}")


async def debit(
    actor: Actor,
    m: Membership,
    kind: str,
    points: int,
    source: str,
    reason: str,
    *,
    purchase_id: int | None = None,
    key: str | None = None,
    fp: str | None = None,
) -> PointsTransaction:
    if points > m.available:
        raise DomainError.single(
            "points",
            ErrorCode.INSUFFICIENT_POINTS,
            f"{points} points asked, {m.available} available",
        )
    await consume(m, points, prefer_purchase=purchase_id)
    m.available -= points
    if kind == "REDEEM":
        m.redeemed += points
    elif kind == "EXPIRE":
        m.expired += points
    return await _append(
        actor, m, kind, -points, source, reason, purchase_id=purchase_id, key=key, fp=fp
    )


async def release_due(actor: Actor, m: Membership, now: datetime) -> int:
    """Move this member's pending lots whose waiting period is over to the available balance."""
    due = await PointsTransaction.filter(
        customer_id=m.customer_id, brand_id=m.brand_id, pending_until__lte=now
    ).order_by("id")
    for lot in due:
        lot.pending_until = None
        await lot.save(update_fields=["pending_until"])
        if not lot.remaining:  # all of it was refunded while pending
            continue
        m.pending -= lot.remaining
        m.available += lot.remaining
        await m.save(update_fields=["available", "pending"])
        await PointsTransaction.create(
            brand_id=m.brand_id,
            customer_id=m.customer_id,
            kind="RELEASE",
            amount=lot.remaining,
            balance_after=m.available,
            reason=f"released lot {lot.id}",
            source=lot.source,
            actor=actor.label,
            purchase_id=lot.purchase_id,
        )
    return sum(lot.remaining for lot in due)


async def emit_changed(
    actor: Actor, m: Membership, kind: str, amount: int, subject: tuple[str, int]
) -> None:
    """`points.changed`, inside the transaction that changed the locked membership."""
    await emit(
        actor,
        "points.changed",
        customer_id=m.customer_id,
        subject=subject,
        payload={"kind": kind, "amount": amount, "balance": m.available, "pending": m.pending},
    )


Operation = Callable[[Membership], Awaitable[PointsTransaction]]


async def _idempotent(
    actor: Actor, name: str, customer_id: int, key: str | None, fp: str, op: Operation
) -> PointsTransaction:
    async def replay() -> PointsTransaction | None:
        if key is None:
            return None
        found = await rows.fetch_model(PointsTransaction, BY_KEY, [actor.brand_id, key])
        if found is not None and found.fingerprint != fp:
            raise DomainError.single(
                "idempotencyKey",
                ErrorCode.IDEMPOTENCY_KEY_REUSED,
                "this idempotency key was used for a different request",
            )
        return found

    try:
        async with in_transaction():
            m = await memberships.enroll_locked(actor, customer_id)
            earlier = await replay()  # after the lock: a concurrent twin has committed by now
            if earlier is not None:
                return earlier
            if m.pending:  # pending lots hold exactly m.pending points: none means none due
                await release_due(actor, m, utcnow())
            tx = await op(m)
            await audit.record(
                actor,
                name,
                "Customer",
                customer_id,
                {"transaction": tx.id, "kind": tx.kind, "amount": tx.amount},
            )
            await emit_changed(actor, m, tx.kind, tx.amount, ("PointsTransaction", tx.id))
            return tx
    except IntegrityError:
        # the same key raced in for another customer: the unique constraint decided
        earlier = await replay()
        if earlier is None:
            raise
        return earlier


def check_award(points: int, source: str, key: str | None) -> None:
    """The input checks of award_points (DomainError with all of them)."""
    errors = ErrorCollector()
    check_points(points, errors)
    check_key(key, errors)
    if source not in SOURCES:
        errors.add("source", ErrorCode.INVALID, f"source must be one of {', '.join(SOURCES)}")
    errors.raise_if_any()


async def award_points(
    actor: Actor, customer_id: int, points: int, reason: str, source: str, key: str | None
) -> PointsTransaction:
    check_award(points, source, key)
    fp = fingerprint("award", customer=customer_id, points=points, reason=reason, source=source)

    async def op(m: Membership) -> PointsTransaction:
        expires = await expiry_from_now(actor.brand_id)
        return await add_lot(
            actor, m, "EARN", points, source, reason, expires_at=expires, key=key, fp=fp
        )

    return await _idempotent(actor, "awardPoints", customer_id, key, fp, op)


async def redeem_points(
    actor: Actor, customer_id: int, points: int, reason: str, key: str | None
) -> PointsTransaction:
    errors = ErrorCollector()
    check_points(points, errors)
    check_key(key, errors)
    errors.raise_if_any()
    fp = fingerprint("redeem", customer=customer_id, points=points, reason=reason)

    async def op(m: Membership) -> PointsTransaction:
        return await debit(actor, m, "REDEEM", points, "offer", reason, key=key, fp=fp)

    return await _idempotent(actor, "redeemPoints", customer_id, key, fp, op)


async def adjust_points(
    actor: Actor,
    customer_id: int,
    delta: int,
    reason: str,
    key: str | None,
    source: str = "staff",
) -> PointsTransaction:
    errors = ErrorCollector()
    if delta == 0:
        errors.add("points", ErrorCode.INVALID, "an adjustment must not be zero")
    elif abs(delta) > MAX_POINTS:
        errors.add("points", ErrorCode.INVALID, f"at most {MAX_POINTS} points at once")
    if not reason.strip():
        errors.add("reason", ErrorCode.REQUIRED, "an adjustment needs a reason")
    check_key(key, errors)
    errors.raise_if_any()
    extra = {} if source == "staff" else {"source": source}  # keeps earlier keys' fingerprints
    fp = fingerprint("adjust", customer=customer_id, points=delta, reason=reason, **extra)

    async def op(m: Membership) -> PointsTransaction:
        if delta > 0:  # a lot like any other: it expires by the brand's rule
            expires = await expiry_from_now(actor.brand_id)
            return await add_lot(
                actor, m, "ADJUST", delta, source, reason, expires_at=expires, key=key, fp=fp
            )
        return await debit(actor, m, "ADJUST", -delta, source, reason, key=key, fp=fp)

    return await _idempotent(actor, "adjustPoints", customer_id, key, fp, op)
