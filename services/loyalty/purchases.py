"""Purchases: recording (idempotent per externalId) with points and upgrades, and refunds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from events.outbox import emit
from models import Brand, DailySpend, LoyaltySettings, Membership, Purchase, PurchaseItem, Tier
from services.analytics import lifecycle as analytics
from services.common import audit
from services.common.actor import Actor
from services.common.errors import DomainError, ErrorCode, ErrorCollector
from services.loyalty import config as loyalty_config
from services.loyalty import memberships, points
from services.loyalty import merge as loyalty_merge
from services.loyalty.config import Calendar, clean_money, to_cents, utcnow
from services.offers import earning as offer_earning
from services.offers import refunds as offer_refunds
from services.stores import refs as store_refs
from services.stores.refs import StoreRef

loyalty_merge.register()
CLOCK_SKEW = timedelta(minutes=1)
ROUNDING = {"FLOOR": ROUND_FLOOR, "ROUND": ROUND_HALF_UP, "CEIL": ROUND_CEILING}


@dataclass(frozen=True)
class ItemSpec:
    sku: str
    name: str
    category: str | None
    quantity: int
    unit_price: Decimal


@dataclass(frozen=True)
class PurchaseResult:
    purchase: Purchase
    points_earned: int
    membership: Membership
    # What the recording did (a dry run shows it); a replay of an earlier purchase has none.
    earning: Earning | None = None
    bonus: offer_earning.Bonus | None = None
    replayed: bool = False


def _promo_applies(promo: dict[str, Any], local: datetime, category: str | None) -> bool:
    day = local.date().isoformat()
    if promo.get("from") and day < str(promo["from"]):
        return False
    if promo.get("to") and day > str(promo["to"]):
        return False
    if promo.get("weekdays") and local.isoweekday() not in promo["weekdays"]:
        return False
    return not promo.get("category") or promo["category"] == category


def _multiplier(
    promos: list[dict[str, Any]],
    local: datetime,
    category: str | None,
    applied: dict[str, Decimal] | None = None,
) -> Decimal:
    result = Decimal(1)
    for promo in promos:
        if _promo_applies(promo, local, category):
            factor = Decimal(str(promo.get("multiplier", 1)))
            result *= factor
            if applied is not None:
                applied[str(promo.get("name") or "promotion")] = factor
    return result


@dataclass(frozen=True)
class Earning:
    """How a purchase's points are made up (a dry run shows it)."""

    earn_rate: Decimal
    base: Decimal  # the amount paid x earnRate, before any multiplier
    promotions: tuple[tuple[str, Decimal], ...]  # (name, multiplier) that applied to some line
    promoted: Decimal  # the base with the promotions applied, line by line
    tier_multiplier: Decimal
    offer_multiplier: Decimal
    points: int  # rounded, before the daily cap


def earning(
    settings: LoyaltySettings,
    tier: Tier | None,
    amount: Decimal,
    items: list[ItemSpec],
    local: datetime,
    extra: Decimal = Decimal(1),
) -> Earning:
    """Base rate x tier multiplier x active promotions (per item category) x `extra` (double-points
    offers), then rounded."""
    promos = settings.promotions or []
    tier_mult = Decimal(tier.points_multiplier) if tier else Decimal(1)
    raw = Decimal(0)
    covered = Decimal(0)
    applied: dict[str, Decimal] = {}
    for item in items:
        line = item.unit_price * item.quantity
        covered += line
        raw += line * _multiplier(promos, local, item.category, applied)
    rest = max(amount - covered, Decimal(0))
    raw += rest * _multiplier(promos, local, None, applied if rest else None)
    if covered > amount:  # discounts: the items list more than was paid
        raw = raw * amount / covered
    rate = Decimal(settings.earn_rate)
    value = raw * rate * tier_mult * extra
    points = int(value.quantize(Decimal(1), rounding=ROUNDING.get(settings.rounding, ROUND_FLOOR)))
    return Earning(
        rate, amount * rate, tuple(applied.items()), raw * rate, tier_mult, extra, points
    )


def compute_points(
    settings: LoyaltySettings,
    tier: Tier | None,
    amount: Decimal,
    items: list[ItemSpec],
    local: datetime,
    extra: Decimal = Decimal(1),
) -> int:
    return earning(settings, tier, amount, items, local, extra).points


def _clean(
    amount: Any, items: list[ItemSpec], occurred_at: datetime | None, external_id: str | None
) -> tuple[Decimal, datetime]:
    errors = ErrorCollector()
    value = clean_money(amount, "amount", errors)
    for i, item in enumerate(items):
        if not item.sku.strip() or not item.name.strip():
            errors.add(f"items[{i}]", ErrorCode.REQUIRED, "an item needs a sku and a name")
        if item.quantity <= 0:
            errors.add(f"items[{i}]", ErrorCode.INVALID, "quantity must be greater than zero")
        clean_money(item.unit_price, f"items[{i}].unitPrice", errors, positive=False)
    when = occurred_at or utcnow()
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    if when > utcnow() + CLOCK_SKEW:
        errors.add("occurred_at", ErrorCode.INVALID, "a purchase cannot be in the future")
    if external_id is not None and not 1 <= len(external_id.strip()) <= 200:
        errors.add("external_id", ErrorCode.INVALID, "externalId must be 1-200 characters")
    errors.raise_if_any()
    return value, when.astimezone(UTC)


def earned_pending_until(
    settings: LoyaltySettings, occurred_at: datetime, now: datetime
) -> datetime | None:
    """The end of the waiting period of a purchase's points, None when there is none or it is
    over already (a purchase recorded long after it happened)."""
    if not settings.pending_days:
        return None
    until = occurred_at + timedelta(days=settings.pending_days)
    return until if until > now else None


def check_purchase(
    amount: Any, items: list[ItemSpec], occurred_at: datetime | None, external_id: str | None
) -> tuple[Decimal, datetime]:
    """The input checks of record_purchase, alone (DomainError with all of them): the amount
    and the moment (UTC) it would record."""
    return _clean(amount, items, occurred_at, external_id)


async def _replay(brand_id: int, customer_id: int, external_id: str) -> PurchaseResult | None:
    found = await Purchase.get_or_none(brand_id=brand_id, external_id=external_id)
    if found is None:
        return None
    if found.customer_id != customer_id:
        raise DomainError.single(
            "externalId",
            ErrorCode.DUPLICATE,
            "another customer's purchase has this externalId",
        )
    membership = await Membership.get(brand_id=brand_id, customer_id=customer_id)
    return PurchaseResult(found, found.points_earned, membership, replayed=True)


async def add_spend(cal: Calendar, purchase: Purchase, cents: int, count: int) -> None:
    """Called under the customer's lock: adjust the day's net spend (tier rules read it)."""
    day, month = cal.day(purchase.occurred_at), cal.month(purchase.occurred_at)
    row = await DailySpend.get_or_none(customer_id=purchase.customer_id, day=day)
    if row is None:
        await DailySpend.create(
            brand_id=purchase.brand_id,
            customer_id=purchase.customer_id,
            day=day,
            month=month,
            cents=cents,
            purchases=count,
        )
    else:
        row.cents += cents
        row.purchases += count
        await row.save(update_fields=["cents", "purchases"])


async def _earned_today(m: Membership, cal: Calendar, when: datetime) -> int:
    local = when.astimezone(cal.tz)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    query = Purchase.filter(
        customer_id=m.customer_id,
        brand_id=m.brand_id,
        occurred_at__gte=start,
        occurred_at__lt=start + timedelta(days=1),
    )
    return sum(await query.values_list("points_earned", flat=True))  # type: ignore[arg-type]


async def record_purchase(
    actor: Actor,
    brand: Brand,
    customer_id: int,
    amount: Any,
    items: list[ItemSpec],
    store_ref: StoreRef | None,
    channel: str | None,
    occurred_at: datetime | None,
    external_id: str | None,
) -> PurchaseResult:
    value, when = _clean(amount, items, occurred_at, external_id)
    external_id = external_id.strip() if external_id else None
    cal = loyalty_config.calendar(brand)
    try:
        async with in_transaction():
            m = await memberships.enroll_locked(actor, customer_id)
            if external_id and (earlier := await _replay(brand.id, customer_id, external_id)):
                return earlier
            store = await store_refs.resolve(actor, store_ref, "storeId")
            settings = await loyalty_config.get_settings(brand.id)
            tier = await Tier.get_or_none(id=m.tier_id) if m.tier_id else None
            sale = offer_earning.Sale(value, store.code if store else None, channel, when)
            bonus = await offer_earning.bonus(brand.id, customer_id, tier, sale)
            local = when.astimezone(cal.tz)
            made = earning(settings, tier, value, items, local, bonus.multiplier)
            earned = made.points
            if settings.daily_cap is not None:
                earned = max(0, min(earned, settings.daily_cap - await _earned_today(m, cal, when)))
            purchase = await Purchase.create(
                brand_id=brand.id,
                customer_id=customer_id,
                amount=value,
                points_earned=earned,
                store_id=store.id if store else None,
                channel=channel,
                external_id=external_id,
                occurred_at=when,
            )
            await PurchaseItem.bulk_create(
                [
                    PurchaseItem(
                        brand_id=brand.id,
                        purchase_id=purchase.id,
                        sku=i.sku.strip(),
                        name=i.name.strip(),
                        category=i.category,
                        quantity=i.quantity,
                        unit_price=i.unit_price,
                    )
                    for i in items
                ]
            )
            await offer_earning.consume(actor, bonus, purchase)
            await add_spend(cal, purchase, to_cents(value), 1)
            if earned:
                # Counted from when the purchase happened, not from when it is recorded: imported
                # history waits, releases and expires on its original schedule.
                pending = earned_pending_until(settings, when, utcnow())
                lot = await points.add_lot(
                    actor,
                    m,
                    "EARN",
                    earned,
                    "purchase",
                    f"purchase {purchase.id}",
                    expires_at=points.lot_expiry(settings, when, cal.tz),
                    pending_until=pending,
                    purchase_id=purchase.id,
                )
                await points.emit_changed(actor, m, "EARN", earned, ("PointsTransaction", lot.id))
            await memberships.upgrade_if_qualified(actor, brand, m, f"purchase {purchase.id}")
            await analytics.touch(brand, customer_id)
            await audit.record(
                actor,
                "recordPurchase",
                "Customer",
                customer_id,
                {"purchase": purchase.id, "amount": str(value), "points": earned},
            )
            await emit(
                actor,
                "purchase.recorded",
                customer_id=customer_id,
                subject=("Purchase", purchase.id),
                payload={"amount": str(value), "pointsEarned": earned},
            )
            return PurchaseResult(purchase, earned, m, made, bonus)
    except IntegrityError:
        if external_id and (earlier := await _replay(brand.id, customer_id, external_id)):
            return earlier
        raise


@dataclass(frozen=True)
class RefundResult:
    purchase: Purchase
    points_reversed: int
    points_unrecovered: int
    restored_coupon_ids: tuple[int, ...] = ()


async def refund_purchase(
    actor: Actor, brand: Brand, purchase_id: int, amount: Any | None
) -> RefundResult:
    """Reverse points in proportion: what was spent already is not clawed back below zero."""
    found = await Purchase.get_or_none(brand_id=brand.id, id=purchase_id)
    if found is None:
        raise DomainError.single("purchaseId", ErrorCode.NOT_FOUND, "purchase not found")
    errors = ErrorCollector()
    value = clean_money(amount, "amount", errors) if amount is not None else None
    errors.raise_if_any()
    offer_ids = await offer_refunds.redeemed_offer_ids(found)
    async with in_transaction():
        await offer_refunds.lock_offers(brand.id, offer_ids)  # before the customer, as claims do
        m = await memberships.enroll_locked(actor, found.customer_id, "purchaseId")
        purchase = await Purchase.select_for_update().get(id=purchase_id)
        left = purchase.amount - purchase.refunded_amount
        value = left if value is None else value
        if value <= 0 or value > left:
            raise DomainError.single(
                "amount",
                ErrorCode.REFUND_EXCEEDS_PURCHASE,
                f"at most {left} of this purchase can be refunded",
            )
        refunded = purchase.refunded_amount + value
        target = int(purchase.points_earned * refunded / purchase.amount)
        to_reverse = target - purchase.points_reversed
        await points.release_due(actor, m, utcnow())
        recovered = await _reverse(actor, m, purchase, to_reverse)
        if recovered:
            await points.emit_changed(actor, m, "REVERSE", -recovered, ("Purchase", purchase.id))
        purchase.refunded_amount = refunded
        purchase.points_reversed += to_reverse
        purchase.points_unrecovered += to_reverse - recovered
        await purchase.save(
            update_fields=["refunded_amount", "points_reversed", "points_unrecovered"]
        )
        full = 1 if refunded == purchase.amount else 0
        await add_spend(loyalty_config.calendar(brand), purchase, -to_cents(value), -full)
        await analytics.touch(brand, purchase.customer_id)
        restored: list[int] = []
        settings = await loyalty_config.get_settings(brand.id)
        if offer_ids and offer_refunds.applies(settings.coupon_refund_rule, bool(full)):
            restored = await offer_refunds.restore_coupons(actor, purchase, offer_ids)
        details: dict[str, Any] = {
            "purchase": purchase.id,
            "amount": str(value),
            "points": to_reverse,
        }
        if restored:
            details["coupons"] = restored
        await audit.record(actor, "refundPurchase", "Customer", purchase.customer_id, details)
        await emit(
            actor,
            "purchase.refunded",
            customer_id=purchase.customer_id,
            subject=("Purchase", purchase.id),
            payload=details,
        )
    return RefundResult(purchase, to_reverse, to_reverse - recovered, tuple(restored))


async def _reverse(actor: Actor, m: Membership, purchase: Purchase, count: int) -> int:
    """Take back `count` points of the purchase: pending ones first, then available ones."""
    from models import PointsTransaction

    if count <= 0:
        return 0
    lot = await PointsTransaction.get_or_none(purchase_id=purchase.id, kind="EARN")
    taken = 0
    if lot is not None and lot.pending_until is not None:
        taken = min(count, lot.remaining)
        lot.remaining -= taken
        await lot.save(update_fields=["remaining"])
        m.pending -= taken
        await m.save(update_fields=["pending"])
        await PointsTransaction.create(
            brand_id=m.brand_id,
            customer_id=m.customer_id,
            kind="REVERSE",
            amount=0,
            balance_after=m.available,
            reason=f"refund: {taken} pending points cancelled",
            source="purchase",
            actor=actor.label,
            purchase_id=purchase.id,
        )
    rest = min(count - taken, m.available)
    if rest > 0:
        reason = f"refund of purchase {purchase.id}"
        await points.debit(actor, m, "REVERSE", rest, "purchase", reason, purchase_id=purchase.id)
    return taken + rest
