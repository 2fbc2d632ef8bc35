"""The tracking vocabulary: standard event names, and the names a brand defines itself."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from models.analytics import CustomEventName
from services.common import audit
from services.common.actor import Actor
from services.common.errors import DomainError, ErrorCode, ErrorCollector

STANDARD_EVENTS: dict[str, str] = {
    "page_view": "A page or screen was shown (properties: path, title, referrer).",
    "product_view": "A product was looked at (properties: sku, name, category, price).",
    "add_to_cart": "A product was put in the cart (properties: sku, quantity, price).",
    "remove_from_cart": "A product was taken out of the cart (properties: sku, quantity).",
    "checkout_started": "The checkout was opened (properties: value, items).",
    "search": "A search was run (properties: query, results).",
    "offer_viewed": "An offer was shown (properties: offerId).",
    "coupon_clicked": "A coupon was opened or applied (properties: couponId, code).",
    "signed_in": "The visitor signed in: send customerId and anonymousId to stitch them.",
    "signed_up": "The visitor created an account.",
    "booking_started": "An appointment booking was started (properties: serviceId).",
    "share": "Something was shared (properties: channel, target).",
}
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
MAX_CUSTOM_NAMES = 200
MAX_DESCRIPTION = 500


@dataclass(frozen=True)
class EventName:
    name: str
    description: str
    custom: bool


async def custom_names(brand_id: int) -> set[str]:
    rows = await CustomEventName.filter(brand_id=brand_id).values_list("name", flat=True)
    return {str(name) for name in rows}


async def vocabulary(brand_id: int) -> list[EventName]:
    """The standard names, then the brand's own, alphabetically."""
    standard = [EventName(n, d, False) for n, d in sorted(STANDARD_EVENTS.items())]
    rows = await CustomEventName.filter(brand_id=brand_id).order_by("name")
    return standard + [EventName(r.name, r.description, True) for r in rows]


async def define_event_name(actor: Actor, name: str, description: str) -> EventName:
    """Add a custom event name to the brand's vocabulary (at most MAX_CUSTOM_NAMES)."""
    errors = ErrorCollector()
    name = name.strip()
    if not NAME_PATTERN.match(name):
        errors.add("name", ErrorCode.INVALID, "2-64 characters: a-z, 0-9 and _, starting a-z")
    elif name in STANDARD_EVENTS:
        errors.add("name", ErrorCode.DUPLICATE, f"'{name}' is a standard event name")
    if len(description) > MAX_DESCRIPTION:
        errors.add("description", ErrorCode.TOO_LONG, f"at most {MAX_DESCRIPTION} characters")
    errors.raise_if_any()
    try:
        async with in_transaction():
            if await CustomEventName.filter(brand_id=actor.brand_id).count() >= MAX_CUSTOM_NAMES:
                raise DomainError.single(
                    "name", ErrorCode.LIMIT_REACHED, f"a brand has at most {MAX_CUSTOM_NAMES}"
                )
            row = await CustomEventName.create(
                brand_id=actor.brand_id, name=name, description=description.strip()
            )
            await audit.record(actor, "defineTrackingEvent", "CustomEventName", row.id)
    except IntegrityError as exc:
        raise DomainError.single("name", ErrorCode.DUPLICATE, f"'{name}' is defined") from exc
    return EventName(row.name, row.description, True)
