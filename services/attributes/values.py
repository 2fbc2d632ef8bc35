"""Typed attribute values: cleaning what a caller sends, writing, reading, erasing, merging."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from models import rows
from models.attributes import CustomerAttribute, CustomerAttributeValue
from services.common import audit
from services.common.actor import Actor
from services.common.errors import ErrorCode, ErrorCollector

MAX_TEXT = 500
MAX_NUMBER = Decimal("1e15")
MAX_DIGITS = 15  # stored as a double
TRUE_WORDS = {"true", "yes", "1", "y"}
FALSE_WORDS = {"false", "no", "0", "n"}

Value = str | Decimal | bool | date


@dataclass(frozen=True)
class AttributeValue:
    """A cleaned value of one attribute; None unsets it."""

    attribute: CustomerAttribute
    value: Value | None


class WrongType(ValueError):
    pass


def _number(raw: Any, lenient: bool) -> Decimal:
    if isinstance(raw, bool) or not (
        isinstance(raw, int | float | Decimal) or (lenient and isinstance(raw, str))
    ):
        raise WrongType("expects a number")
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation as exc:
        raise WrongType("expects a number") from exc
    if not value.is_finite() or abs(value) >= MAX_NUMBER:
        raise WrongType(f"expects a number below {MAX_NUMBER:,.0f}")
    value = value.normalize()
    if len(value.as_tuple().digits) > MAX_DIGITS:
        raise WrongType(f"expects at most {MAX_DIGITS} significant digits")
    return value


def _boolean(raw: Any, lenient: bool) -> bool:
    if isinstance(raw, bool):
        return raw
    if lenient and isinstance(raw, str) and raw.strip().lower() in TRUE_WORDS | FALSE_WORDS:
        return raw.strip().lower() in TRUE_WORDS
    raise WrongType("expects true or false")


def _date(raw: Any) -> date:
    if isinstance(raw, date):
        return raw
    if not isinstance(raw, str):
        raise WrongType("expects a date like 2026-01-31")
    try:
        return date.fromisoformat(raw.strip())
    except ValueError as exc:
        raise WrongType("expects a date like 2026-01-31") from exc


def _text(raw: Any, lenient: bool) -> str:
    if isinstance(raw, bool) or not isinstance(raw, str | int | float | Decimal):
        raise WrongType("expects a string")
    if not isinstance(raw, str) and not lenient:
        raise WrongType("expects a string")
    text = str(raw).strip()
    if len(text) > MAX_TEXT:
        raise WrongType(f"expects at most {MAX_TEXT} characters")
    return text


def clean_value(attribute: CustomerAttribute, raw: Any, lenient: bool = False) -> Value:
    """`raw` as the attribute's type; `lenient` also reads text (CSV cells): "42", "yes"."""
    kind = attribute.type
    if kind == "NUMBER":
        return _number(raw, lenient)
    if kind == "BOOLEAN":
        return _boolean(raw, lenient)
    if kind == "DATE":
        return _date(raw)
    text = _text(raw, lenient)
    if kind == "ENUM" and text not in (attribute.options or []):
        raise WrongType(f"expects one of {', '.join(attribute.options or [])}")
    return text


def clean_values(
    definitions: dict[str, CustomerAttribute],
    pairs: Sequence[tuple[str, Any]],
    errors: ErrorCollector,
    *,
    lenient: bool = False,
    creating: bool = False,
    field: str = "attributes",
) -> list[AttributeValue]:
    """Every problem is added to `errors`, named `attributes.<key>`: an unknown key, a value of
    the wrong type, a key given twice, a required attribute missing when creating."""
    cleaned: list[AttributeValue] = []
    seen: set[str] = set()
    for key, raw in pairs:
        name = f"{field}.{key}"
        attribute = definitions.get(key)
        if attribute is None:
            errors.add(name, ErrorCode.UNKNOWN_ATTRIBUTE, f"no customer attribute '{key}'")
            continue
        if key in seen:
            errors.add(name, ErrorCode.INVALID, f"'{key}' is given twice")
            continue
        seen.add(key)
        if raw is None or (lenient and isinstance(raw, str) and not raw.strip()):
            if attribute.is_required:
                errors.add(name, ErrorCode.REQUIRED, f"'{key}' is required")
            else:
                cleaned.append(AttributeValue(attribute, None))
            continue
        try:
            cleaned.append(AttributeValue(attribute, clean_value(attribute, raw, lenient)))
        except WrongType as exc:
            errors.add(name, ErrorCode.WRONG_ATTRIBUTE_TYPE, f"'{key}' is {attribute.type}: {exc}")
    if creating:
        for key, attribute in definitions.items():
            if attribute.is_required and key not in seen:
                errors.add(f"{field}.{key}", ErrorCode.REQUIRED, f"'{key}' is required")
    return cleaned


async def definitions(brand_id: int) -> dict[str, CustomerAttribute]:
    """The brand's attributes by key (one small statement)."""
    return {a.key: a for a in await CustomerAttribute.filter(brand_id=brand_id).order_by("key")}


def columns(attribute: CustomerAttribute, value: Value) -> dict[str, Any]:
    """The value in the column of its type (the others NULL)."""
    out: dict[str, Any] = {"value_text": None, "value_number": None, "value_bool": None}
    if attribute.type == "NUMBER":
        out["value_number"] = float(value)  # type: ignore[arg-type]
    elif attribute.type == "BOOLEAN":
        out["value_bool"] = value
    elif attribute.type == "DATE":
        out["value_text"] = value.isoformat() if isinstance(value, date) else str(value)
    else:
        out["value_text"] = value
    return out


def read(attribute: CustomerAttribute, row: CustomerAttributeValue) -> Value | None:
    if attribute.type == "NUMBER":
        return None if row.value_number is None else Decimal(repr(row.value_number)).normalize()
    if attribute.type == "BOOLEAN":
        return row.value_bool
    if attribute.type == "DATE":
        return None if row.value_text is None else date.fromisoformat(row.value_text)
    return row.value_text


def plain(value: Value | None) -> Any:
    """As JSON: numbers as numbers (integers when whole), dates as YYYY-MM-DD."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral() else float(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def new_row(brand_id: int, customer_id: int, item: AttributeValue) -> dict[str, Any]:
    """The columns of a value a customer did not have (`item.value` is not None)."""
    assert item.value is not None
    return {
        "brand_id": brand_id,
        "customer_id": customer_id,
        "attribute_id": item.attribute.id,
        **columns(item.attribute, item.value),
    }


async def insert_new_values(
    brand_id: int, owners: Sequence[tuple[int, Sequence[AttributeValue]]]
) -> list[list[str]]:
    """The values of customers that have none yet (just created), in one multi-row INSERT
    (inside the caller's transaction): `write_values` for new customers. The keys set, per
    customer."""
    found: list[dict[str, Any]] = []
    keys: list[list[str]] = []
    for customer_id, cleaned in owners:
        given = [item for item in cleaned if item.value is not None]
        found += [new_row(brand_id, customer_id, item) for item in given]
        keys.append(sorted(item.attribute.key for item in given))
    await rows.insert_many(CustomerAttributeValue, found)
    return keys


def value_changes(
    cleaned: Sequence[AttributeValue], existing: dict[int, CustomerAttributeValue]
) -> list[AttributeValue]:
    """The cleaned values that differ from a customer's stored ones (by attribute id): set,
    changed, or unset while stored."""
    changes: list[AttributeValue] = []
    for item in cleaned:
        row = existing.get(item.attribute.id)
        if item.value is None:
            if row is not None:
                changes.append(item)
        elif row is None or read(item.attribute, row) != item.value:
            changes.append(item)
    return changes


async def write_values(
    brand_id: int, customer_id: int, cleaned: Sequence[AttributeValue]
) -> list[str]:
    """Set (or unset) the values inside the caller's transaction; the keys that changed."""
    if not cleaned:
        return []
    ids = [c.attribute.id for c in cleaned]
    existing = {
        row.attribute_id: row
        for row in await CustomerAttributeValue.filter(
            customer_id=customer_id, attribute_id__in=ids
        )
    }
    created: list[CustomerAttributeValue] = []
    changes = value_changes(cleaned, existing)
    for item in changes:
        row = existing.get(item.attribute.id)
        if item.value is None:
            assert row is not None
            await row.delete()
        elif row is None:
            created.append(CustomerAttributeValue(**new_row(brand_id, customer_id, item)))
        else:
            values = columns(item.attribute, item.value)
            for column, value in values.items():
                setattr(row, column, value)
            await row.save(update_fields=[*values, "updated_at"])
    if created:
        await CustomerAttributeValue.bulk_create(created)
    return sorted(item.attribute.key for item in changes)


async def values_for(
    brand_id: int, customer_ids: Sequence[int]
) -> dict[int, list[tuple[CustomerAttribute, Value]]]:
    """Each customer's set attributes (definition, value), in key order: two statements."""
    if not customer_ids:
        return {}
    rows = await CustomerAttributeValue.filter(
        brand_id=brand_id, customer_id__in=list(customer_ids)
    )
    if not rows:
        return {}
    attributes = {
        a.id: a
        for a in await CustomerAttribute.filter(
            brand_id=brand_id, id__in=list({r.attribute_id for r in rows})
        )
    }
    found: dict[int, list[tuple[CustomerAttribute, Value]]] = defaultdict(list)
    for row in rows:
        attribute = attributes[row.attribute_id]
        value = read(attribute, row)
        if value is not None:
            found[row.customer_id].append((attribute, value))
    for listed in found.values():
        listed.sort(key=lambda pair: pair[0].key)
    return dict(found)


async def attributes_of(brand_id: int, customer_id: int) -> dict[str, Any]:
    """A customer's attributes as plain data ({key: value}, PII included): for a personal-data
    export."""
    found = await values_for(brand_id, [customer_id])
    return {attribute.key: plain(value) for attribute, value in found.get(customer_id, [])}


async def erase_attributes(actor: Actor, customer_id: int) -> int:
    """Delete every attribute value of the customer (inside the caller's transaction, e.g. an
    erasure's); returns how many were removed. Audited when any were."""
    removed = await CustomerAttributeValue.filter(
        brand_id=actor.brand_id, customer_id=customer_id
    ).delete()
    if removed:
        details = {"removed": removed}
        await audit.record(actor, "eraseCustomerAttributes", "Customer", customer_id, details)
    return int(removed)
