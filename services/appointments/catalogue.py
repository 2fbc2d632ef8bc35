"""The brand's bookable services: duration, buffer, price, member price per tier, skills."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from events.outbox import emit
from models.appointments import BookableService
from services.common import audit
from services.common.actor import Actor
from services.common.errors import DomainError, ErrorCode, ErrorCollector
from services.common.pagination import Page, PageRequest, paginate
from services.loyalty import config as loyalty_config
from services.loyalty.config import clean_money
from services.stores.staff import clean_labels

MAX_DURATION = 12 * 60
MAX_BUFFER = 4 * 60
MAX_PRICES = 50  # one a tier; ladders are short


@dataclass(frozen=True)
class ServiceSpec:
    """A new service, or the fields to change (None: unchanged)."""

    code: str | None = None
    name: str | None = None
    duration_minutes: int | None = None
    buffer_minutes: int | None = None
    price: Decimal | None = None
    member_prices: list[tuple[str, Decimal]] | None = None
    skills: list[str] | None = None
    active: bool | None = None


def _text(value: str | None, key: str, limit: int, required: bool, errors: ErrorCollector) -> Any:
    text = (value or "").strip()
    if required and not text:
        errors.add(key, ErrorCode.REQUIRED, f"{key} is required")
    elif len(text) > limit:
        errors.add(key, ErrorCode.TOO_LONG, f"{key} is longer than {limit}")
    return text


async def _clean(brand_id: int, spec: ServiceSpec, creating: bool) -> dict[str, Any]:
    errors = ErrorCollector()
    values: dict[str, Any] = {}
    if creating or spec.code is not None:
        values["code"] = _text(spec.code, "code", 64, True, errors)
    if creating or spec.name is not None:
        values["name"] = _text(spec.name, "name", 200, True, errors)
    if creating or spec.duration_minutes is not None:
        duration = spec.duration_minutes or 0
        if not 5 <= duration <= MAX_DURATION:
            errors.add("durationMinutes", ErrorCode.INVALID, f"5 to {MAX_DURATION} minutes")
        values["duration_minutes"] = duration
    if spec.buffer_minutes is not None:
        if not 0 <= spec.buffer_minutes <= MAX_BUFFER:
            errors.add("bufferMinutes", ErrorCode.INVALID, f"0 to {MAX_BUFFER} minutes")
        values["buffer_minutes"] = spec.buffer_minutes
    if creating or spec.price is not None:
        values["price"] = clean_money(spec.price or 0, "price", errors, positive=False)
    if spec.skills is not None:
        values["skills"] = clean_labels(spec.skills, "skills", errors)
    if spec.active is not None:
        values["active"] = spec.active
    if spec.member_prices is not None and len(spec.member_prices) > MAX_PRICES:
        errors.add("memberPrices", ErrorCode.INVALID, f"at most {MAX_PRICES} member prices")
    elif spec.member_prices is not None:
        tiers = {t.name for t in await loyalty_config.ladder(brand_id)}
        prices: list[dict[str, str]] = []
        for tier, price in spec.member_prices:
            if tier not in tiers:
                errors.add("memberPrices", ErrorCode.UNKNOWN_TIER, f"no tier named '{tier}'")
            elif any(p["tier"] == tier for p in prices):
                errors.add("memberPrices", ErrorCode.INVALID, f"'{tier}' is given twice")
            else:
                amount = clean_money(price, "memberPrices", errors, positive=False)
                prices.append({"tier": tier, "price": str(amount)})
        values["member_prices"] = prices
    errors.raise_if_any()
    return values


def price_for(service: BookableService, tier: str | None) -> Decimal:
    """What a member of `tier` pays (the base price without a member price for the tier)."""
    for entry in service.member_prices or []:
        if entry["tier"] == tier:
            return Decimal(entry["price"])
    return service.price


async def _duplicate(brand_id: int, code: str | None, exclude: int | None) -> None:
    if not code:
        return
    query = BookableService.filter(brand_id=brand_id, code=code)
    found = await (query.exclude(id=exclude) if exclude else query).first()
    if found is not None:
        raise DomainError.single(
            "code", ErrorCode.DUPLICATE, f"service {code!r} exists", related_id=str(found.id)
        )


async def create_service(actor: Actor, spec: ServiceSpec) -> BookableService:
    values = await _clean(actor.brand_id, spec, creating=True)
    await _duplicate(actor.brand_id, values["code"], None)
    try:
        async with in_transaction():
            service = await BookableService.create(brand_id=actor.brand_id, **values)
            await _record(actor, service, "createBookableService", sorted(values))
    except IntegrityError:
        await _duplicate(actor.brand_id, values["code"], None)
        raise
    return service


async def update_service(actor: Actor, service_id: int, spec: ServiceSpec) -> BookableService:
    """Booked appointments keep the price and times they were booked with."""
    values = await _clean(actor.brand_id, spec, creating=False)
    await _duplicate(actor.brand_id, values.get("code"), service_id)
    try:
        async with in_transaction():
            service = await BookableService.select_for_update().get_or_none(
                brand_id=actor.brand_id, id=service_id
            )
            if service is None:
                raise DomainError.single("id", ErrorCode.NOT_FOUND, "service not found")
            service.update_from_dict(values)
            await service.save()
            await _record(actor, service, "updateBookableService", sorted(values))
    except IntegrityError:
        await _duplicate(actor.brand_id, values.get("code"), service_id)
        raise
    return service


async def _record(
    actor: Actor, service: BookableService, operation: str, fields: list[str]
) -> None:
    await audit.record(actor, operation, "BookableService", service.id, {"fields": fields})
    await emit(
        actor,
        "bookable_service.updated",
        subject=("BookableService", service.id),
        payload={"service": service.id, "operation": operation, "fields": fields},
    )


async def list_services(
    brand_id: int, active: bool | None, page: PageRequest
) -> Page[BookableService]:
    query = BookableService.filter(brand_id=brand_id)
    if active is not None:
        query = query.filter(active=active)
    return await paginate(query, "code", False, page, is_datetime=False)


async def services_by_id(brand_id: int, service_ids: list[int]) -> list[BookableService]:
    return await BookableService.filter(brand_id=brand_id, id__in=service_ids)
