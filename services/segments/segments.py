"""Saved segments: CRUD, and evaluating a rule with one SQL statement.

The contract other services use (offers, campaigns):

- `await member_query(brand_id, rule)` -> (sql, params): `SELECT c.id AS customer_id FROM
  customers c WHERE ...` with `?` placeholders, for a sub-select or `INSERT ... SELECT`. Embed
  it in a statement that also uses `?` and run it with services.common.sql.execute/fetch, which
  renumber the placeholders for PostgreSQL (or call services.common.sql.for_dialect yourself).
  The SQL
  already fits the current connection's dialect otherwise. The rule must be canonical (as
  stored, or from `parse_rule`); call inside the caller's transaction to see its writes.
- `segment_rule`, `customer_ids`, `size`, `contains`: see each function.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from tortoise import Tortoise
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from events.outbox import emit
from models import Brand, Customer, Segment
from models.offers import Offer
from services.attributes import segment_rules as attribute_rules
from services.common import audit, sql
from services.common.actor import Actor
from services.common.errors import DomainError, ErrorCode, ErrorCollector, FieldError
from services.common.pagination import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    Page,
    PageRequest,
    PaginationError,
    decode_cursor,
    encode_cursor,
)
from services.loyalty import config as loyalty_config
from services.segments import analytics_rules
from services.segments.rules import parse, walk
from services.segments.sql import compile_rule, uses_calendar_days

analytics_rules.register()  # churnRisk, cluster, trackedEvents (issue 20)

MAX_NAME = 200
MAX_DESCRIPTION = 2000
MEMBER_ORDER = "id:asc"


def _dialect() -> str:
    return str(Tortoise.get_connection("default").capabilities.dialect)


async def member_query(
    brand_id: int, rule: dict[str, Any], *, now: datetime | None = None
) -> tuple[str, list[Any]]:
    """One statement selecting `customer_id` of every customer of the brand the rule matches.
    A rule counting calendar days first reads the brand's time zone (one small statement)."""
    zone: tzinfo = UTC
    if uses_calendar_days(rule):
        brand = await Brand.get(id=brand_id)
        zone = ZoneInfo(brand.timezone)
    return compile_rule(brand_id, rule, now or datetime.now(UTC), _dialect(), zone)


def parse_rule(rule: Any, field: str = "rule") -> dict[str, Any]:
    """The canonical form of a rule, or DomainError INVALID naming each bad node."""
    errors = ErrorCollector()
    parsed = parse(rule, errors, field)
    errors.raise_if_any()
    assert parsed is not None
    return parsed


async def check_references(brand_id: int, rule: dict[str, Any]) -> None:
    """Tier names and offers a rule names must exist in the brand."""
    errors: list[FieldError] = []
    tiers = {tier.name for tier in await loyalty_config.ladder(brand_id)}  # default if unset
    for key, args, path in walk(rule):
        if key == "tier":
            for name in args.get("in", []) + ([args["atLeast"]] if "atLeast" in args else []):
                if name not in tiers:
                    errors.append(
                        FieldError(path, ErrorCode.UNKNOWN_TIER, f"{path}: no tier named '{name}'")
                    )
        elif key == "hasCoupon" and not await _offer_exists(brand_id, args["offerId"]):
            errors.append(FieldError(path, ErrorCode.NOT_FOUND, f"{path}: offer not found"))
        elif key == "attribute":
            errors.extend(await attribute_rules.check_reference(brand_id, args, path))
    if errors:
        raise DomainError(errors)


async def _offer_exists(brand_id: int, offer_id: int) -> bool:
    return await Offer.exists(brand_id=brand_id, id=offer_id)


async def segment_rule(brand_id: int, segment_id: int) -> dict[str, Any]:
    """The saved rule of a segment; NOT_FOUND for another brand's or a missing segment."""
    return (await get_segment(brand_id, segment_id)).rule


async def get_segment(brand_id: int, segment_id: int, field: str = "id") -> Segment:
    found = await Segment.get_or_none(brand_id=brand_id, id=segment_id)
    if found is None:
        raise DomainError.single(field, ErrorCode.NOT_FOUND, "segment not found")
    return found


async def customer_ids(brand_id: int, rule: dict[str, Any]) -> list[int]:
    """Ids of every matching customer, ascending; one SQL statement."""
    query, params = await member_query(brand_id, rule)
    rows = await sql.fetch(f"{query} ORDER BY c.id", params)
    return [int(row["customer_id"]) for row in rows]


async def size(brand_id: int, rule: dict[str, Any]) -> int:
    """How many customers match; one SQL statement."""
    query, params = await member_query(brand_id, rule)
    rows = await sql.fetch(f"SELECT COUNT(*) AS n FROM ({query}) members", params)
    return int(rows[0]["n"])


async def contains(brand_id: int, rule: dict[str, Any], customer_id: int) -> bool:
    """Whether one customer matches; one SQL statement."""
    query, params = await member_query(brand_id, rule)
    rows = await sql.fetch(f"{query} AND c.id = ?", [*params, customer_id])
    return bool(rows)


async def members(brand_id: int, rule: dict[str, Any], page: PageRequest) -> Page[Customer]:
    """A keyset page of matching customers by id: one statement for ids, one for the rows."""
    if page.last is not None or page.before is not None:
        raise PaginationError("members pages go forward only (first/after)")
    page.validate()
    limit = DEFAULT_PAGE_SIZE if page.first is None else min(page.first, MAX_PAGE_SIZE)
    query, params = await member_query(brand_id, rule)
    after_id = 0
    if page.after is not None:
        _, after_id = decode_cursor(page.after, MEMBER_ORDER, field_is_datetime=False)
    rows = await sql.fetch(
        f"{query} AND c.id > ? ORDER BY c.id LIMIT ?", [*params, after_id, limit + 1]
    )
    ids = [int(row["customer_id"]) for row in rows]
    more, ids = len(ids) > limit, ids[:limit]
    found = {c.id: c for c in await Customer.filter(brand_id=brand_id, id__in=ids)} if ids else {}
    items = [(encode_cursor(MEMBER_ORDER, i, i), found[i]) for i in ids if i in found]
    return Page(items, has_next_page=more, has_previous_page=page.after is not None)


@dataclass(frozen=True)
class SegmentSpec:
    name: str | None = None
    description: str | None = None
    rule: Any = None


def _clean(spec: SegmentSpec, creating: bool, errors: ErrorCollector) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if spec.name is not None or creating:
        name = (spec.name or "").strip()
        if not name:
            errors.add("name", ErrorCode.REQUIRED, "name is required")
        elif len(name) > MAX_NAME:
            errors.add("name", ErrorCode.TOO_LONG, f"name is longer than {MAX_NAME}")
        values["name"] = name
    if spec.description is not None:
        description = spec.description.strip()
        if len(description) > MAX_DESCRIPTION:
            errors.add("description", ErrorCode.TOO_LONG, "description is too long")
        values["description"] = description
    if spec.rule is not None or creating:
        if spec.rule is None:
            errors.add("rule", ErrorCode.REQUIRED, "rule is required")
        else:
            values["rule"] = parse(spec.rule, errors, "rule")
    return values


async def _check_name(brand_id: int, name: str, exclude_id: int | None) -> None:
    clash = await Segment.filter(brand_id=brand_id, name=name).exclude(id=exclude_id or 0).first()
    if clash is not None:
        raise DomainError.single(
            "name", ErrorCode.DUPLICATE, f"a segment named '{name}' exists", str(clash.id)
        )


async def create_segment(actor: Actor, spec: SegmentSpec) -> Segment:
    errors = ErrorCollector()
    values = _clean(spec, creating=True, errors=errors)
    errors.raise_if_any()
    await check_references(actor.brand_id, values["rule"])
    async with in_transaction():
        await _check_name(actor.brand_id, values["name"], None)
        try:
            segment = await Segment.create(
                brand_id=actor.brand_id, created_by=actor.label, **values
            )
        except IntegrityError as exc:  # a concurrent create took the name
            raise DomainError.single("name", ErrorCode.DUPLICATE, "name is taken") from exc
        await audit.record(actor, "createSegment", "Segment", segment.id, {"name": segment.name})
        await _changed(actor, segment.id, "createSegment", sorted(values))
    return segment


async def update_segment(actor: Actor, segment_id: int, spec: SegmentSpec) -> Segment:
    errors = ErrorCollector()
    values = _clean(spec, creating=False, errors=errors)
    errors.raise_if_any()
    if "rule" in values:
        await check_references(actor.brand_id, values["rule"])
    async with in_transaction():
        segment = await get_segment(actor.brand_id, segment_id)
        segment = await Segment.select_for_update().get(id=segment.id)
        if "name" in values:
            await _check_name(actor.brand_id, values["name"], segment.id)
        changed = sorted(k for k, v in values.items() if getattr(segment, k) != v)
        for key, value in values.items():
            setattr(segment, key, value)
        try:
            await segment.save()
        except IntegrityError as exc:
            raise DomainError.single("name", ErrorCode.DUPLICATE, "name is taken") from exc
        await audit.record(actor, "updateSegment", "Segment", segment.id, {"changed": changed})
        await _changed(actor, segment.id, "updateSegment", changed)
    return segment


async def _changed(actor: Actor, segment_id: int, operation: str, fields: list[str]) -> None:
    """segment.changed: offers and campaigns targeting the segment may now reach others."""
    payload = {"operation": operation, "fields": fields}
    await emit(actor, "segment.changed", subject=("Segment", segment_id), payload=payload)


async def _users(segment: Segment) -> list[str]:
    """What still targets the segment (offers, campaigns): deleting it would widen them."""
    users = []
    for name in sorted(Segment._meta.backward_fk_fields):
        if await getattr(segment, name).all().exists():
            users.append(name)
    return users


async def delete_segment(actor: Actor, segment_id: int) -> None:
    async with in_transaction():
        segment = await get_segment(actor.brand_id, segment_id)
        segment = await Segment.select_for_update().get(id=segment.id)
        users = await _users(segment)
        if users:
            raise DomainError.single(
                "id", ErrorCode.CONFLICT, f"the segment is still used by {', '.join(users)}"
            )
        await audit.record(actor, "deleteSegment", "Segment", segment.id, {"name": segment.name})
        await _changed(actor, segment.id, "deleteSegment", [])
        await segment.delete()
