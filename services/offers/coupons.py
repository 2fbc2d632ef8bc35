"""Coupons at the till: what one would take off a cart (dry run) and redeeming it exactly once."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from tortoise.transactions import in_transaction

from events.outbox import emit
from models import Purchase, PurchaseItem
from models.offers import Coupon, Offer
from services.common import audit
from services.common.actor import Actor
from services.common.errors import DomainError, ErrorCode, ErrorCollector
from services.loyalty.config import clean_money, utcnow
from services.offers.sql import normalize_code
from services.stores import refs as store_refs

CENT = Decimal("0.01")


@dataclass(frozen=True)
class CartItem:
    sku: str
    category: str | None
    quantity: int
    unit_price: Decimal


@dataclass(frozen=True)
class Cart:
    amount: Decimal
    items: list[CartItem] = field(default_factory=list)
    store_id: str | None = None
    channel: str | None = None
    customer_id: int | None = None


@dataclass(frozen=True)
class Quote:
    """What the coupon does to the cart: money off, and what it costs the offer's budget."""

    coupon: Coupon
    offer: Offer
    discount: Decimal
    cost: Decimal


def clean_cart(cart: Cart) -> Cart:
    errors = ErrorCollector()
    amount = clean_money(cart.amount, "cart.amount", errors, positive=False)
    for i, item in enumerate(cart.items):
        if item.quantity <= 0:
            errors.add(f"cart.items[{i}]", ErrorCode.INVALID, "quantity must be greater than zero")
        clean_money(item.unit_price, f"cart.items[{i}].unitPrice", errors, positive=False)
    errors.raise_if_any()
    return Cart(amount, cart.items, cart.store_id, cart.channel, cart.customer_id)


def _fail(code: ErrorCode, message: str, field_name: str = "code") -> DomainError:
    return DomainError.single(field_name, code, message)


def discount_of(offer: Offer, cart: Cart) -> tuple[Decimal, Decimal]:
    """(money off the cart, charge to the budget) for one application of the offer, in cents."""
    off, cost = _raw_discount(offer, cart)
    return off.quantize(CENT, ROUND_HALF_UP), cost.quantize(CENT, ROUND_HALF_UP)


def _raw_discount(offer: Offer, cart: Cart) -> tuple[Decimal, Decimal]:
    if offer.kind == "AMOUNT_OFF":
        off = min(offer.amount or Decimal(0), cart.amount)
        return off, off
    if offer.kind == "PERCENT_OFF":
        off = (cart.amount * (offer.percent or Decimal(0)) / 100).quantize(CENT, ROUND_HALF_UP)
        return off, off
    if offer.kind == "FREE_ITEM":
        if offer.item_sku:
            line = next((i for i in cart.items if i.sku == offer.item_sku), None)
            if line is None:
                raise _fail(ErrorCode.NOT_ELIGIBLE, f"{offer.item_sku} is not in the cart", "cart")
            off = min(line.unit_price, cart.amount)
        else:
            off = min(offer.item_value or Decimal(0), cart.amount)
        return off, off
    if offer.kind == "GIFT":  # handed over besides the cart: nothing off, its value is spent
        return Decimal(0), offer.item_value or Decimal(0)
    raise _fail(ErrorCode.NOT_ELIGIBLE, "a points multiplier applies when the purchase is recorded")


def quote(coupon: Coupon, offer: Offer, cart: Cart) -> Quote:
    """Every rule a redemption must pass, in the order a till clerk would want to hear them."""
    now = utcnow()
    if coupon.status == "VOID":
        raise _fail(ErrorCode.COUPON_VOID, "the coupon was voided")
    if coupon.status == "REDEEMED":
        raise _fail(ErrorCode.COUPON_ALREADY_REDEEMED, "the coupon was redeemed already")
    if coupon.status == "EXPIRED" or (coupon.expires_at is not None and coupon.expires_at <= now):
        raise _fail(ErrorCode.COUPON_EXPIRED, "the coupon has expired")
    if cart.customer_id is not None and cart.customer_id != coupon.customer_id:
        raise _fail(ErrorCode.COUPON_NOT_OWNED, "the coupon belongs to another customer")
    if offer.starts_at is not None and now < offer.starts_at:
        raise _fail(ErrorCode.OFFER_INACTIVE, "the offer has not started")
    if offer.stores and cart.store_id not in offer.stores:
        raise _fail(ErrorCode.NOT_ELIGIBLE, "the coupon is not valid in this store", "cart.storeId")
    if offer.channels and cart.channel not in offer.channels:
        raise _fail(
            ErrorCode.NOT_ELIGIBLE, "the coupon is not valid on this channel", "cart.channel"
        )
    if offer.min_purchase is not None and cart.amount < offer.min_purchase:
        raise _fail(
            ErrorCode.BELOW_MINIMUM_PURCHASE,
            f"the coupon needs a purchase of at least {offer.min_purchase}",
            "cart.amount",
        )
    discount, cost = discount_of(offer, cart)
    if offer.budget is not None and offer.spent + cost > offer.budget:
        raise _fail(ErrorCode.BUDGET_EXHAUSTED, "the offer's budget is spent")
    return Quote(coupon, offer, discount, cost)


async def _find(brand_id: int, code: str, lock: bool) -> Coupon:
    query = Coupon.select_for_update() if lock else Coupon
    found = await query.get_or_none(brand_id=brand_id, code=normalize_code(code))
    if found is None:
        raise _fail(ErrorCode.NOT_FOUND, "no such coupon")
    return found


async def validate_coupon(actor: Actor, code: str, cart: Cart) -> Quote:
    """The dry run: nothing is written or locked."""
    cleaned = clean_cart(cart)
    coupon = await _find(actor.brand_id, code, lock=False)
    offer = await Offer.get(id=coupon.offer_id)
    return quote(coupon, offer, cleaned)


async def cart_of(purchase: Purchase) -> Cart:
    items = await PurchaseItem.filter(purchase_id=purchase.id).order_by("id")
    return Cart(
        amount=purchase.amount,
        items=[CartItem(i.sku, i.category, i.quantity, i.unit_price) for i in items],
        store_id=await store_refs.code_of(purchase.brand_id, purchase.store_id),
        channel=purchase.channel,
        customer_id=purchase.customer_id,
    )


async def redeem_coupon(actor: Actor, code: str, purchase_id: int) -> Coupon:
    """Exactly once: the coupon's row lock makes concurrent redemptions queue and then fail."""
    purchase = await Purchase.get_or_none(brand_id=actor.brand_id, id=purchase_id)
    if purchase is None:
        raise _fail(ErrorCode.NOT_FOUND, "purchase not found", "purchaseId")
    cart = await cart_of(purchase)
    async with in_transaction():
        coupon = await _find(actor.brand_id, code, lock=True)
        offer = await Offer.select_for_update().get(id=coupon.offer_id)  # budget counter
        q = quote(coupon, offer, cart)
        coupon.status = "REDEEMED"
        coupon.redeemed_at = utcnow()
        coupon.purchase_id = purchase.id
        coupon.discount = q.discount
        await coupon.save(update_fields=["status", "redeemed_at", "purchase_id", "discount"])
        offer.spent += q.cost
        await offer.save(update_fields=["spent", "updated_at"])
        details = {"code": coupon.code, "purchase": purchase.id, "discount": str(q.discount)}
        await audit.record(actor, "redeemCoupon", "Coupon", coupon.id, details)
        await emit(
            actor,
            "coupon.redeemed",
            customer_id=coupon.customer_id,
            subject=("Coupon", coupon.id),
            payload={"offerId": offer.id, "purchaseId": purchase.id, "discount": str(q.discount)},
        )
    return coupon
