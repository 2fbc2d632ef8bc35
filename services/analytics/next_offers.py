"""Next best offers: the offers a customer may claim now (services/offers/eligibility.py),
ranked by what each is worth to them and how well it fits them.

score = value x fit. Value, in the brand's currency: AMOUNT_OFF its amount; PERCENT_OFF the
percent of the customer's average order; FREE_ITEM and GIFT the item's value; POINTS_MULTIPLIER
the extra points on an average order at the brand's earn rate, 100 points counted as 1 (an
assumption: points have no price). An offer with no value of its own counts 1. Fit multiplies:
x (1 + score) when its item is recommended for the customer, x 1.5 when its item is one they
buy, x 1.2 when the offer targets them (tier, segment, stage, birthday, new members),
x (1 + churn risk) when their churn risk is HIGH (a win-back), x 0.5 when its minimum purchase
is above 1.5 times their average order.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from models import Brand, Customer, CustomerStats
from models.analytics_cache import CustomerScore
from models.offers import Offer
from services.analytics.periods import ReportInputError
from services.analytics.recommendations import bought_skus, recommend
from services.analytics.scores import band
from services.loyalty import config as loyalty_config
from services.offers.eligibility import available_offers

MAX_OFFERS = 20
RECOMMENDATIONS_READ = 10


@dataclass(frozen=True)
class RankedOffer:
    offer: Offer
    score: float
    reasons: list[str]


@dataclass(frozen=True)
class _Customer:
    average_order: float
    earn_rate: float
    churn: float | None
    recommended: dict[str, tuple[float, str]]  # sku -> (score, name)
    bought: set[str]


def _value(offer: Offer, c: _Customer) -> tuple[float, str]:
    if offer.kind == "AMOUNT_OFF" and offer.amount is not None:
        return float(offer.amount), f"{offer.amount} off"
    if offer.kind == "PERCENT_OFF" and offer.percent is not None:
        value = float(offer.percent) / 100 * c.average_order
        return value, f"{offer.percent}% of a usual {c.average_order:.2f} order"
    if offer.kind in ("FREE_ITEM", "GIFT") and offer.item_value is not None:
        return float(offer.item_value), f"an item worth {offer.item_value}"
    if offer.kind == "POINTS_MULTIPLIER" and offer.multiplier is not None:
        extra = (float(offer.multiplier) - 1) * c.average_order * c.earn_rate
        return extra / 100, f"about {extra:.0f} extra points on a usual order"
    return 0.0, "no stated value"


def _rank(offer: Offer, c: _Customer) -> RankedOffer:
    value, described = _value(offer, c)
    score, reasons = max(value, 1.0), [f"worth {described}"]
    sku = offer.item_sku or ""
    if sku in c.recommended:
        rec_score, name = c.recommended[sku]
        score *= 1 + rec_score
        reasons.append(f"features {name}, recommended for the customer")
    elif sku and sku in c.bought:
        score *= 1.5
        reasons.append("features an item the customer buys")
    if offer.tiers or offer.segment_id or offer.lifecycle_stages or offer.birthday_month:
        score *= 1.2
        reasons.append("targeted at the customer")
    elif offer.new_members_only:
        score *= 1.2
        reasons.append("for new members like the customer")
    if c.churn is not None and band(c.churn) == "HIGH":
        score *= 1 + c.churn
        reasons.append(f"win-back: churn risk {c.churn:.0%}")
    if offer.min_purchase is not None and float(offer.min_purchase) > 1.5 * c.average_order:
        score *= 0.5
        reasons.append("its minimum purchase is above the customer's usual order")
    return RankedOffer(offer, round(score, 4), reasons)


async def _facts(brand: Brand, customer: Customer) -> _Customer:
    stats = await CustomerStats.get_or_none(brand_id=brand.id, customer_id=customer.id)
    average = stats.monetary_cents / 100 / stats.frequency if stats and stats.frequency > 0 else 0.0
    settings = await loyalty_config.get_settings(brand.id)
    score = await CustomerScore.get_or_none(brand_id=brand.id, customer_id=customer.id)
    recommended = await recommend(brand.id, customer.id, RECOMMENDATIONS_READ)
    return _Customer(
        average_order=average,
        earn_rate=float(Decimal(settings.earn_rate)),
        churn=score.churn_probability if score else None,
        recommended={r.product.sku: (r.score, r.product.name) for r in recommended},
        bought=await bought_skus(brand.id, customer.id),
    )


async def next_best_offers(brand: Brand, customer: Customer, first: int) -> list[RankedOffer]:
    if not 0 <= first <= MAX_OFFERS:
        raise ReportInputError("first", "OUT_OF_RANGE", f"first is from 0 to {MAX_OFFERS}")
    offers = await available_offers(brand, customer)
    if not offers or not first:
        return []
    facts = await _facts(brand, customer)
    ranked = sorted((_rank(o, facts) for o in offers), key=lambda r: (-r.score, r.offer.id))
    return ranked[:first]
