"""Choosing customers by attribute: `customers(filter: {attributes: [...]})`.

Each condition is a sub-select of customer ids on the index (attribute, typed value, customer):
equals, in, a range (NUMBER and DATE), or is set / is not set. Conditions combine with AND.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from tortoise.expressions import Subquery
from tortoise.queryset import QuerySet

from models.attributes import CustomerAttribute, CustomerAttributeValue
from models.customers import Customer
from services.attributes.values import Value, WrongType, clean_value, columns
from services.common.errors import ErrorCode, ErrorCollector

MAX_CONDITIONS = 10
MAX_VALUES = 100
RANGED = ("NUMBER", "DATE")


@dataclass(frozen=True)
class AttributeCondition:
    attribute: CustomerAttribute
    equals: Value | None = None
    any_of: tuple[Value, ...] = field(default_factory=tuple)
    min: Value | None = None
    max: Value | None = None
    is_set: bool | None = None


def column_of(attribute: CustomerAttribute) -> str:
    if attribute.type == "NUMBER":
        return "value_number"
    if attribute.type == "BOOLEAN":
        return "value_bool"
    return "value_text"


def clean_conditions(
    definitions: dict[str, CustomerAttribute],
    raw: Sequence[dict[str, Any]],
    errors: ErrorCollector,
    field_name: str = "attributes",
) -> list[AttributeCondition]:
    """`raw`: {key, equals, in, min, max, isSet} (one kind of test each); problems name the key."""
    if len(raw) > MAX_CONDITIONS:
        errors.add(field_name, ErrorCode.INVALID, f"at most {MAX_CONDITIONS} attribute conditions")
        return []
    found: list[AttributeCondition] = []
    for item in raw:
        key = str(item.get("key") or "")
        name = f"{field_name}.{key}"
        attribute = definitions.get(key)
        if attribute is None:
            errors.add(name, ErrorCode.UNKNOWN_ATTRIBUTE, f"no customer attribute '{key}'")
            continue
        tests = [k for k in ("equals", "in", "min", "max", "isSet") if item.get(k) is not None]
        kinds = {"min": "range", "max": "range"}
        if len({kinds.get(t, t) for t in tests}) != 1:
            errors.add(name, ErrorCode.INVALID, "give one of equals, in, min/max or isSet")
            continue
        try:
            found.append(_condition(attribute, item))
        except WrongType as exc:
            errors.add(name, ErrorCode.WRONG_ATTRIBUTE_TYPE, f"'{key}' is {attribute.type}: {exc}")
        except ValueError as exc:
            errors.add(name, ErrorCode.INVALID, str(exc))
    return found


def _condition(attribute: CustomerAttribute, item: dict[str, Any]) -> AttributeCondition:
    if item.get("isSet") is not None:
        return AttributeCondition(attribute, is_set=bool(item["isSet"]))
    if item.get("equals") is not None:
        return AttributeCondition(attribute, equals=clean_value(attribute, item["equals"]))
    if item.get("in") is not None:
        values = list(item["in"])
        if not 1 <= len(values) <= MAX_VALUES:
            raise ValueError(f"in takes 1 to {MAX_VALUES} values")
        return AttributeCondition(
            attribute, any_of=tuple(clean_value(attribute, v) for v in values)
        )
    if attribute.type not in RANGED:
        raise ValueError(f"min/max apply to {' and '.join(RANGED)} attributes")
    low = None if item.get("min") is None else clean_value(attribute, item["min"])
    high = None if item.get("max") is None else clean_value(attribute, item["max"])
    if low is not None and high is not None and low > high:  # type: ignore[operator]
        raise ValueError("min must not exceed max")
    return AttributeCondition(attribute, min=low, max=high)


def _stored(attribute: CustomerAttribute, value: Value) -> Any:
    return columns(attribute, value)[column_of(attribute)]


def holders(condition: AttributeCondition) -> QuerySet[CustomerAttributeValue]:
    """The value rows a condition selects (is-set: all of the attribute's rows)."""
    attribute = condition.attribute
    column = column_of(attribute)
    rows = CustomerAttributeValue.filter(attribute_id=attribute.id)
    if condition.equals is not None:
        rows = rows.filter(**{column: _stored(attribute, condition.equals)})
    elif condition.any_of:
        rows = rows.filter(**{f"{column}__in": [_stored(attribute, v) for v in condition.any_of]})
    else:
        if condition.min is not None:
            rows = rows.filter(**{f"{column}__gte": _stored(attribute, condition.min)})
        if condition.max is not None:
            rows = rows.filter(**{f"{column}__lte": _stored(attribute, condition.max)})
    return rows


def apply(
    query: QuerySet[Customer], conditions: Sequence[AttributeCondition]
) -> QuerySet[Customer]:
    for condition in conditions:
        selected = Subquery(holders(condition).values("customer_id"))
        if condition.is_set is False:
            query = query.exclude(id__in=selected)
        else:
            query = query.filter(id__in=selected)
    return query
