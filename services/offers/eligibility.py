"""Who may claim an offer: tiers, segment, lifecycle, birthday month, new members, limits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from tortoise.functions import Count

from models import Brand, Customer, CustomerStats, Membership, Tier
from models.offers import Coupon, Offer
from services.common.errors import DomainError, ErrorCode, FieldError
from services.loyalty import config as loyalty_config
from services.loyalty.config import utcnow
from services.offers.offers import offer_open

MAX_LISTED = 500


@dataclass(frozen=True)
class Facts:
    """What eligibility reads about one customer, loaded once."""

    customer: Customer
    membership: Membership | None
    tier_name: str | None
    stage: str
    new_member: bool
    birthday_month: bool


async def facts(brand: Brand, customer: Customer) -> Facts:
    membership = await Membership.get_or_none(brand_id=brand.id, customer_id=customer.id)
    tier = (
        await Tier.get_or_none(id=membership.tier_id) if membership and membership.tier_id else None
    )
    stats = await CustomerStats.get_or_none(brand_id=brand.id, customer_id=customer.id)
    settings = await loyalty_config.get_settings(brand.id)
    now = utcnow()
    new_member = membership is None or membership.enrolled_at >= now - timedelta(
        days=settings.new_days
    )
    month = now.astimezone(ZoneInfo(brand.timezone)).month
    return Facts(
        customer=customer,
        membership=membership,
        tier_name=tier.name if tier else None,
        stage=stats.lifecycle_stage if stats else "PROSPECT",
        new_member=new_member,
        birthday_month=customer.birthday is not None and customer.birthday.month == month,
    )


def _no(field: str, message: str) -> FieldError:
    return FieldError(field, ErrorCode.NOT_ELIGIBLE, message)


async def problem(offer: Offer, f: Facts) -> FieldError | None:
    """The first rule of the offer this customer does not meet (None: eligible)."""
    if offer.tiers and f.tier_name not in offer.tiers:
        return _no("tier", f"the offer is for tiers {', '.join(offer.tiers)}")
    if offer.lifecycle_stages and f.stage not in offer.lifecycle_stages:
        return _no("lifecycleStage", "the offer is not for this lifecycle stage")
    if offer.birthday_month and not f.birthday_month:
        return _no("birthday", "the offer is for customers in their birthday month")
    if offer.new_members_only and not f.new_member:
        return _no("newMembersOnly", "the offer is for new members only")
    if offer.segment_id is not None:
        from services.segments import segments

        rule = await segments.segment_rule(offer.brand_id, offer.segment_id)
        if not await segments.contains(offer.brand_id, rule, f.customer.id):
            return _no("segment", "the offer is for another segment")
    return None


async def held(brand_id: int, customer_id: int, offer_ids: list[int]) -> dict[int, int]:
    """Coupons (not voided) the customer holds per offer."""
    rows = (
        await Coupon.filter(
            brand_id=brand_id, customer_id=customer_id, offer_id__in=offer_ids, status__not="VOID"
        )
        .annotate(n=Count("id"))
        .group_by("offer_id")
        .values_list("offer_id", "n")
    )
    return {int(offer_id): int(n) for offer_id, n in rows}  # type: ignore[call-overload]


async def check_claim(offer: Offer, f: Facts) -> None:
    """Raise the reason the customer may not claim the (locked, open) offer now."""
    if offer.automatic or offer.trigger is not None:
        raise DomainError.single("offerId", ErrorCode.NOT_ELIGIBLE, "this offer is not claimed")
    found = await problem(offer, f)
    if found is not None:
        raise DomainError([found])
    count = (await held(offer.brand_id, f.customer.id, [offer.id])).get(offer.id, 0)
    if count >= offer.per_customer_limit:
        raise DomainError.single(
            "offerId", ErrorCode.LIMIT_REACHED, "the customer holds as many as the offer allows"
        )


async def available_offers(brand: Brand, customer: Customer) -> list[Offer]:
    """Running offers with stock left that this customer may claim, oldest first."""
    candidates = [
        o
        for o in await Offer.filter(brand_id=brand.id, active=True, automatic=False, trigger=None)
        .order_by("id")
        .limit(MAX_LISTED)
        if offer_open(o)
        and (o.stock is None or o.issued_count < o.stock)
        and (o.budget is None or o.spent < o.budget)
    ]
    if not candidates:
        return []
    f = await facts(brand, customer)
    counts = await held(brand.id, customer.id, [o.id for o in candidates])
    return [
        o
        for o in candidates
        if counts.get(o.id, 0) < o.per_customer_limit and await problem(o, f) is None
    ]
