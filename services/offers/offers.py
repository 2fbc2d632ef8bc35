"""Offers: creating and changing them (validated as a whole), voiding coupons."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tortoise.transactions import in_transaction

from events.outbox import emit
from models.offers import Coupon, Offer
from models.segments import Segment
from services.common import audit
from services.common.actor import Actor
from services.common.errors import DomainError, ErrorCode, ErrorCollector
from services.loyalty import config as loyalty_config
from services.loyalty.config import clean_money, utcnow
from services.offers import merge as offers_merge

offers_merge.register()
KINDS = ("AMOUNT_OFF", "PERCENT_OFF", "FREE_ITEM", "GIFT", "POINTS_MULTIPLIER")
TRIGGERS = ("BIRTHDAY", "ENROLMENT", "TIER_UPGRADE")
STAGES = ("PROSPECT", "NEW", "ACTIVE", "AT_RISK", "CHURNED")
MONEY = ("amount", "item_value", "min_purchase", "budget")
FIELDS = (
    "kind",
    "title",
    "description",
    "image_url",
    "starts_at",
    "ends_at",
    "coupon_days",
    "amount",
    "percent",
    "item_sku",
    "item_value",
    "multiplier",
    "automatic",
    "tiers",
    "segment_id",
    "lifecycle_stages",
    "birthday_month",
    "new_members_only",
    "min_purchase",
    "stores",
    "channels",
    "stock",
    "budget",
    "per_customer_limit",
    "points_cost",
    "trigger",
    "trigger_tier",
    "active",
)
DEFAULTS: dict[str, Any] = {
    "description": "",
    "automatic": False,
    "tiers": [],
    "lifecycle_stages": [],
    "birthday_month": False,
    "new_members_only": False,
    "stores": [],
    "channels": [],
    "per_customer_limit": 1,
    "active": True,
}


def _text(values: dict[str, Any], key: str, limit: int, errors: ErrorCollector) -> None:
    value = values.get(key)
    if value is None:
        return
    value = str(value).strip()
    if len(value) > limit:
        errors.add(key, ErrorCode.TOO_LONG, f"{key} is longer than {limit}")
    values[key] = value or None


def _positive(values: dict[str, Any], key: str, errors: ErrorCollector, zero: bool = False) -> None:
    value = values.get(key)
    if value is not None and (value < 0 or (value == 0 and not zero) or value > 100_000_000):
        errors.add(key, ErrorCode.INVALID, f"{key} is out of range")


def _check_kind(v: dict[str, Any], errors: ErrorCollector) -> None:
    kind = v.get("kind")
    if kind not in KINDS:
        errors.add("kind", ErrorCode.INVALID, f"kind must be one of {', '.join(KINDS)}")
    elif kind == "AMOUNT_OFF" and v.get("amount") is None:
        errors.add("amount", ErrorCode.REQUIRED, "an AMOUNT_OFF offer needs an amount")
    elif kind == "PERCENT_OFF" and not (v.get("percent") and 0 < v["percent"] <= 100):
        errors.add("percent", ErrorCode.INVALID, "a PERCENT_OFF offer needs a percent in (0, 100]")
    elif kind == "FREE_ITEM" and not (v.get("item_sku") or v.get("item_value")):
        errors.add("item_sku", ErrorCode.REQUIRED, "a FREE_ITEM offer needs itemSku or itemValue")
    elif kind == "POINTS_MULTIPLIER" and not (v.get("multiplier") and 1 < v["multiplier"] <= 10):
        errors.add("multiplier", ErrorCode.INVALID, "multiplier must be in (1, 10]")
    if v.get("automatic") and kind != "POINTS_MULTIPLIER":
        errors.add(
            "automatic", ErrorCode.INVALID, "only POINTS_MULTIPLIER offers apply by themselves"
        )


async def _check_refs(brand_id: int, v: dict[str, Any], errors: ErrorCollector) -> None:
    names = {t.name for t in await loyalty_config.ladder(brand_id)}
    for name in [*(v.get("tiers") or []), v.get("trigger_tier")]:
        if name is not None and name not in names:
            errors.add("tiers", ErrorCode.UNKNOWN_TIER, f"no tier named '{name}'")
    segment = v.get("segment_id")
    if segment is not None and not await Segment.exists(brand_id=brand_id, id=segment):
        errors.add("segment_id", ErrorCode.NOT_FOUND, "segment not found")


async def clean(brand_id: int, v: dict[str, Any], current: Offer | None) -> dict[str, Any]:
    """Validate a whole offer (current values overlaid with the changes); raise every error."""
    errors = ErrorCollector()
    title = str(v.get("title") or "").strip()
    if not title:
        errors.add("title", ErrorCode.REQUIRED, "title is required")
    elif len(title) > 200:
        errors.add("title", ErrorCode.TOO_LONG, "title is longer than 200")
    v["title"] = title
    _text(v, "image_url", 500, errors)
    _text(v, "item_sku", 64, errors)
    v["description"] = str(v.get("description") or "")[:10_000]
    for key in MONEY:
        if v.get(key) is not None:
            v[key] = clean_money(v[key], key, errors)
    for key in ("percent", "multiplier"):
        if v.get(key) is not None:
            v[key] = Decimal(str(v[key]))
    _check_kind(v, errors)
    for key in ("stock", "points_cost", "coupon_days"):
        _positive(v, key, errors, zero=key == "stock")
    if not 1 <= (v.get("per_customer_limit") or 0) <= 1000:
        errors.add("per_customer_limit", ErrorCode.INVALID, "perCustomerLimit must be 1-1000")
    if v.get("starts_at") and v.get("ends_at") and v["starts_at"] >= v["ends_at"]:
        errors.add("ends_at", ErrorCode.INVALID, "the offer must end after it starts")
    bad = [s for s in v.get("lifecycle_stages") or [] if s not in STAGES]
    if bad:
        errors.add("lifecycle_stages", ErrorCode.INVALID, f"unknown stages {', '.join(bad)}")
    trigger = v.get("trigger")
    if trigger is not None and trigger not in TRIGGERS:
        errors.add("trigger", ErrorCode.INVALID, f"trigger must be one of {', '.join(TRIGGERS)}")
    if (trigger == "TIER_UPGRADE") != (v.get("trigger_tier") is not None):
        errors.add("trigger_tier", ErrorCode.INVALID, "triggerTier goes with trigger TIER_UPGRADE")
    if current is not None and v.get("stock") is not None and v["stock"] < current.issued_count:
        errors.add("stock", ErrorCode.INVALID, f"{current.issued_count} coupons are issued already")
    if current is not None and v.get("budget") is not None and v["budget"] < current.spent:
        errors.add("budget", ErrorCode.INVALID, f"{current.spent} of the budget is spent already")
    await _check_refs(brand_id, v, errors)
    errors.raise_if_any()
    return v


async def create_offer(actor: Actor, values: dict[str, Any]) -> Offer:
    merged = {**DEFAULTS, **{k: v for k, v in values.items() if v is not None}}
    cleaned = await clean(actor.brand_id, merged, None)
    async with in_transaction():
        offer = await Offer.create(brand_id=actor.brand_id, **cleaned)
        await audit.record(actor, "createOffer", "Offer", offer.id, {"kind": offer.kind})
        await _changed(actor, offer, "createOffer", sorted(cleaned))
    return offer


async def _changed(actor: Actor, offer: Offer, operation: str, fields: list[str]) -> None:
    payload = {"operation": operation, "fields": fields, "active": offer.active}
    await emit(actor, "offer.changed", subject=("Offer", offer.id), payload=payload)


async def lock_offer(brand_id: int, offer_id: int, field: str = "offerId") -> Offer:
    offer = await Offer.select_for_update().get_or_none(brand_id=brand_id, id=offer_id)
    if offer is None:
        raise DomainError.single(field, ErrorCode.NOT_FOUND, "offer not found")
    return offer


async def update_offer(actor: Actor, offer_id: int, changes: dict[str, Any]) -> Offer:
    """`changes` holds only the fields given; None clears a nullable field."""
    async with in_transaction():
        offer = await lock_offer(actor.brand_id, offer_id, "id")
        merged = {key: getattr(offer, key) for key in FIELDS}
        merged.update(changes)
        if "kind" in changes and changes["kind"] != offer.kind and offer.issued_count:
            raise DomainError.single("kind", ErrorCode.INVALID, "coupons exist: kind is fixed")
        cleaned = await clean(actor.brand_id, merged, offer)
        for key in changes:
            setattr(offer, key, cleaned[key])
        await offer.save()
        await audit.record(actor, "updateOffer", "Offer", offer.id, {"fields": sorted(changes)})
        await _changed(actor, offer, "updateOffer", sorted(changes))
    return offer


async def void_coupon(actor: Actor, coupon_id: int) -> Coupon:
    async with in_transaction():
        coupon = await Coupon.select_for_update().get_or_none(brand_id=actor.brand_id, id=coupon_id)
        if coupon is None:
            raise DomainError.single("couponId", ErrorCode.NOT_FOUND, "coupon not found")
        if coupon.status == "REDEEMED":
            raise DomainError.single(
                "couponId", ErrorCode.COUPON_ALREADY_REDEEMED, "a redeemed coupon cannot be voided"
            )
        coupon.status = "VOID"
        await coupon.save(update_fields=["status"])
        await audit.record(actor, "voidCoupon", "Coupon", coupon.id, {"code": coupon.code})
    return coupon


def offer_open(offer: Offer) -> bool:
    """Active and inside its validity window."""
    now = utcnow()
    return (
        offer.active
        and (offer.starts_at is None or offer.starts_at <= now)
        and (offer.ends_at is None or now < offer.ends_at)
    )
