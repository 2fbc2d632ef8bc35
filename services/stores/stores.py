"""Stores: creation and change (validated whole), listing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from events.outbox import emit
from models.stores import Store
from services.common import audit
from services.common.actor import Actor
from services.common.errors import DomainError, ErrorCode, ErrorCollector
from services.common.pagination import Page, PageRequest, paginate
from services.stores import hours
from services.stores.hours import ExceptionEntry, HoursEntry

STATUSES = ("OPEN", "CLOSED")
TEXT_LIMITS = {"code": 100, "name": 200, "address": 500, "city": 100, "region": 100}


@dataclass(frozen=True)
class StoreSpec:
    """A new store, or the fields to change (None: unchanged)."""

    code: str | None = None
    name: str | None = None
    address: str | None = None
    city: str | None = None
    region: str | None = None
    timezone: str | None = None
    opening_hours: list[HoursEntry] | None = None
    exceptions: list[ExceptionEntry] | None = None
    status: str | None = None


def valid_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _clean(spec: StoreSpec, creating: bool, errors: ErrorCollector) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, limit in TEXT_LIMITS.items():
        value = getattr(spec, key)
        if value is None:
            continue
        value = value.strip()
        if len(value) > limit:
            errors.add(key, ErrorCode.TOO_LONG, f"{key} is longer than {limit}")
        values[key] = value or None
    for key in ("code", "name"):
        if (creating or key in values) and not values.get(key):
            errors.add(key, ErrorCode.REQUIRED, f"{key} is required")
    if spec.timezone is not None:
        if not valid_zone(spec.timezone):
            errors.add("timezone", ErrorCode.INVALID, f"'{spec.timezone}' is not a time zone")
        values["timezone"] = spec.timezone
    if spec.status is not None:
        if spec.status not in STATUSES:
            errors.add("status", ErrorCode.INVALID, f"status must be one of {STATUSES}")
        values["status"] = spec.status
    if spec.opening_hours is not None:
        values["opening_hours"] = hours.clean_weekly(spec.opening_hours, "openingHours", errors)
    if spec.exceptions is not None:
        values["exceptions"] = hours.clean_exceptions(spec.exceptions, "exceptions", errors)
    return values


async def _duplicate(brand_id: int, code: str, exclude: int | None) -> None:
    query = Store.filter(brand_id=brand_id, code=code)
    if exclude is not None:
        query = query.exclude(id=exclude)
    found = await query.first()
    if found is not None:
        raise DomainError.single(
            "code", ErrorCode.DUPLICATE, f"store {code!r} exists", related_id=str(found.id)
        )


async def create_store(actor: Actor, spec: StoreSpec, brand_timezone: str) -> Store:
    errors = ErrorCollector()
    values = _clean(spec, creating=True, errors=errors)
    errors.raise_if_any()
    values.setdefault("timezone", brand_timezone)
    await _duplicate(actor.brand_id, values["code"], None)
    try:
        async with in_transaction():
            store = await Store.create(brand_id=actor.brand_id, **values)
            await _record(actor, store, "createStore", "store.created", sorted(values))
    except IntegrityError:
        await _duplicate(actor.brand_id, values["code"], None)  # a concurrent twin won
        raise
    return store


async def update_store(actor: Actor, store_id: int, spec: StoreSpec) -> Store:
    errors = ErrorCollector()
    values = _clean(spec, creating=False, errors=errors)
    errors.raise_if_any()
    if "code" in values:
        await _duplicate(actor.brand_id, values["code"], store_id)
    try:
        async with in_transaction():
            store = await Store.select_for_update().get_or_none(
                brand_id=actor.brand_id, id=store_id
            )
            if store is None:
                raise DomainError.single("id", ErrorCode.NOT_FOUND, "store not found")
            store.update_from_dict(values)
            await store.save()
            await _record(actor, store, "updateStore", "store.updated", sorted(values))
    except IntegrityError:
        await _duplicate(actor.brand_id, values.get("code", ""), store_id)
        raise
    return store


async def _record(
    actor: Actor, store: Store, operation: str, event: str, fields: list[str]
) -> None:
    await audit.record(actor, operation, "Store", store.id, {"fields": fields})
    await emit(
        actor,
        event,
        subject=("Store", store.id),
        payload={"store": store.id, "code": store.code, "status": store.status, "fields": fields},
    )


@dataclass(frozen=True)
class StoreFilter:
    status: str | None = None
    city: str | None = None
    search: str | None = None


async def list_stores(brand_id: int, spec: StoreFilter, page: PageRequest) -> Page[Store]:
    query = Store.filter(brand_id=brand_id)
    if spec.status:
        query = query.filter(status=spec.status)
    if spec.city:
        query = query.filter(city=spec.city)
    if spec.search:
        query = query.filter(name__icontains=spec.search[:100])
    return await paginate(query, "code", False, page, is_datetime=False)


async def stores_by_ids(brand_id: int, ids: list[int]) -> list[Store]:
    return await Store.filter(brand_id=brand_id, id__in=ids)
