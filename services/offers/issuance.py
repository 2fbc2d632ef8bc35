"""Bulk issuance of an offer's coupons: set-based, capped by stock and limits, idempotent.

`issue()` is the entry point campaigns call; its signature is stable.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from models import Customer
from models.offers import Offer, OfferIssue
from services.common import audit
from services.common.actor import Actor
from services.common.errors import DomainError, ErrorCode, ErrorCollector
from services.loyalty.config import utcnow
from services.offers import sql as offer_sql
from services.offers.offers import lock_offer, offer_open

MAX_IDS = 100_000
CODE_RETRIES = 3


def coupon_expiry(offer: Offer, issued_at: datetime) -> datetime | None:
    """The earlier of the offer's end and `couponDays` after issue."""
    ends = [offer.ends_at] if offer.ends_at else []
    if offer.coupon_days:
        ends.append(issued_at + timedelta(days=offer.coupon_days))
    return min(ends) if ends else None


def check_open(offer: Offer) -> None:
    if not offer_open(offer):
        raise DomainError.single("offerId", ErrorCode.OFFER_INACTIVE, "the offer is not running")
    if offer.stock is not None and offer.issued_count >= offer.stock:
        raise DomainError.single("offerId", ErrorCode.OUT_OF_STOCK, "no coupons left")
    if offer.budget is not None and offer.spent >= offer.budget:
        raise DomainError.single("offerId", ErrorCode.BUDGET_EXHAUSTED, "the budget is spent")


def remaining_stock(offer: Offer) -> int | None:
    return None if offer.stock is None else max(offer.stock - offer.issued_count, 0)


def _fingerprint(offer_id: int, source: Any) -> str:
    raw = json.dumps({"offer": offer_id, "source": source}, sort_keys=True, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


async def _source(
    actor: Actor,
    customer_ids: list[int] | None,
    segment_id: int | None,
    member_sql: tuple[str, list[Any]] | None,
) -> tuple[str, list[Any]]:
    if customer_ids is not None:
        known = await Customer.filter(
            brand_id=actor.brand_id, id__in=customer_ids, erased_at=None
        ).count()
        if known != len(set(customer_ids)):
            raise DomainError.single("customerIds", ErrorCode.NOT_FOUND, "customer not found")
        return offer_sql.id_list(customer_ids)
    if segment_id is not None:
        from services.segments import segments

        rule = await segments.segment_rule(actor.brand_id, segment_id)
        return await segments.member_query(actor.brand_id, rule)
    assert member_sql is not None
    return member_sql


def _check_input(
    customer_ids: list[int] | None,
    segment_id: int | None,
    member_sql: tuple[str, list[Any]] | None,
    key: str,
) -> None:
    errors = ErrorCollector()
    given = [s for s in (customer_ids, segment_id, member_sql) if s is not None]
    if len(given) != 1:
        errors.add("customerIds", ErrorCode.INVALID, "give either customerIds or segmentId")
    if customer_ids is not None and not 1 <= len(customer_ids) <= MAX_IDS:
        errors.add("customerIds", ErrorCode.INVALID, f"give 1 to {MAX_IDS} customer ids")
    if not 1 <= len(key.strip()) <= 200:
        errors.add("idempotencyKey", ErrorCode.INVALID, "idempotencyKey must be 1-200 characters")
    errors.raise_if_any()


async def _replay(brand_id: int, key: str, fp: str) -> int | None:
    earlier = await OfferIssue.get_or_none(brand_id=brand_id, idempotency_key=key)
    if earlier is None:
        return None
    if earlier.fingerprint != fp:
        raise DomainError.single(
            "idempotencyKey",
            ErrorCode.IDEMPOTENCY_KEY_REUSED,
            "this idempotency key was used for a different request",
        )
    return earlier.issued_count


async def issue(
    actor: Actor,
    offer_id: int,
    *,
    customer_ids: list[int] | None = None,
    segment_id: int | None = None,
    member_sql: tuple[str, list[Any]] | None = None,
    idempotency_key: str,
) -> int:
    """Issue one coupon to each target below the per-customer limit, lowest ids first, up to the
    remaining stock; returns how many were issued (the first call's count on a replay).

    `member_sql` is a statement selecting one column of customer ids (`?` placeholders).
    """
    _check_input(customer_ids, segment_id, member_sql, idempotency_key)
    key = idempotency_key.strip()
    source: Any = sorted(set(customer_ids)) if customer_ids is not None else None
    source = source or ({"segment": segment_id} if segment_id is not None else member_sql)
    fp = _fingerprint(offer_id, source)
    for attempt in range(CODE_RETRIES):
        try:
            return await _issue_once(actor, offer_id, key, fp, customer_ids, segment_id, member_sql)
        except IntegrityError:
            # the same key committed meanwhile (replay), or a code collided (try again)
            earlier = await _replay(actor.brand_id, key, fp)
            if earlier is not None:
                return earlier
            if attempt == CODE_RETRIES - 1:
                raise
    raise AssertionError("unreachable")


async def _issue_once(
    actor: Actor,
    offer_id: int,
    key: str,
    fp: str,
    customer_ids: list[int] | None,
    segment_id: int | None,
    member_sql: tuple[str, list[Any]] | None,
) -> int:
    async with in_transaction():
        offer = await lock_offer(actor.brand_id, offer_id)
        earlier = await _replay(actor.brand_id, key, fp)  # after the lock: a twin has committed
        if earlier is not None:
            return earlier
        check_open(offer)
        members, params = await _source(actor, customer_ids, segment_id, member_sql)
        record = await OfferIssue.create(
            brand_id=actor.brand_id,
            offer_id=offer.id,
            idempotency_key=key,
            fingerprint=fp,
            actor=actor.label,
        )
        left = remaining_stock(offer)
        rows = await offer_sql.fetch(
            "SELECT c.id FROM customers c LEFT JOIN (SELECT customer_id, COUNT(*) AS n"
            " FROM coupons WHERE offer_id = ? AND status <> 'VOID' GROUP BY customer_id) h"
            " ON h.customer_id = c.id"
            f" WHERE c.brand_id = ? AND c.id IN ({members}) AND COALESCE(h.n, 0) < ?"
            " ORDER BY c.id" + (" LIMIT ?" if left is not None else ""),
            [
                offer.id,
                actor.brand_id,
                *params,
                offer.per_customer_limit,
                *([left] if left is not None else []),
            ],
        )
        if not rows and customer_ids is not None:
            raise DomainError.single(
                "customerIds", ErrorCode.LIMIT_REACHED, "every customer is at the offer's limit"
            )
        now = utcnow()
        count = await offer_sql.insert_coupons(
            actor,
            offer.id,
            [(int(r[0]), None) for r in rows],
            issued_at=now,
            expires_at=coupon_expiry(offer, now),
            issue_id=record.id,
            source="ISSUE",
        )
        offer.issued_count += count
        await offer.save(update_fields=["issued_count", "updated_at"])
        record.issued_count = count
        await record.save(update_fields=["issued_count"])
        details = {"issued": count, "key": key, "segment": segment_id}
        await audit.record(actor, "issueOffer", "Offer", offer.id, details)
        return count
