"""The `attribute` predicate of segment rules (services/segments): equals, in, range, is set.

    {"attribute": {"key": "shoeSize", "min": 38, "max": 42}}
    {"attribute": {"key": "favouriteDrink", "in": ["latte", "mocha"]}}
    {"attribute": {"key": "student", "equals": true}}
    {"attribute": {"key": "signupDate", "isSet": true}}

`check` validates the shape (no database), `check_reference` the key and the value types
against the brand's definitions, `compile_sql` writes the condition; kept here so segment rules
on other data (analytics) evolve beside it without touching it.
"""

from __future__ import annotations

from typing import Any

from models.attributes import CustomerAttribute
from services.attributes import values as attribute_values
from services.attributes.filters import RANGED, column_of
from services.attributes.values import WrongType, clean_value
from services.common.errors import ErrorCode, FieldError

KEYS = ("key", "equals", "in", "min", "max", "isSet")
MAX_VALUES = 100


class RuleShapeError(ValueError):
    pass


def _scalar(value: Any) -> Any:
    if isinstance(value, str):
        if not value.strip() or len(value) > 500:
            raise RuleShapeError("values are strings of 1 to 500 characters, numbers or booleans")
        return value.strip()
    if isinstance(value, bool | int | float):
        return value
    raise RuleShapeError("values are strings, numbers or booleans")


def check(value: Any) -> dict[str, Any]:
    """The canonical form of the predicate's arguments; raises ValueError (the segment parser's
    RuleProblem is a ValueError too) on a bad shape."""
    if not isinstance(value, dict):
        raise RuleShapeError(f"expects an object with {', '.join(KEYS)}")
    unknown = sorted(set(value) - set(KEYS))
    if unknown:
        raise RuleShapeError(f"unknown key '{unknown[0]}' (expected {', '.join(KEYS)})")
    key = value.get("key")
    if not isinstance(key, str) or not key.strip():
        raise RuleShapeError("needs the attribute's key")
    given = {k: v for k, v in value.items() if k != "key" and v is not None}
    kinds = {"min": "range", "max": "range"}
    if len({kinds.get(k, k) for k in given}) != 1:
        raise RuleShapeError("needs one of equals, in, min/max or isSet")
    out: dict[str, Any] = {"key": key.strip()}
    if "isSet" in given:
        if not isinstance(given["isSet"], bool):
            raise RuleShapeError("isSet must be true or false")
        out["isSet"] = given["isSet"]
    elif "equals" in given:
        out["equals"] = _scalar(given["equals"])
    elif "in" in given:
        items = given["in"]
        if not isinstance(items, list) or not 1 <= len(items) <= MAX_VALUES:
            raise RuleShapeError(f"in expects a list of 1 to {MAX_VALUES} values")
        out["in"] = [_scalar(v) for v in items]
    else:
        for bound in ("min", "max"):
            if bound in given:
                if isinstance(given[bound], bool):
                    raise RuleShapeError(f"{bound} must be a number or a date")
                out[bound] = _scalar(given[bound])
    return out


def _values(args: dict[str, Any]) -> list[Any]:
    return [args[k] for k in ("equals", "min", "max") if k in args] + list(args.get("in", []))


async def check_reference(brand_id: int, args: dict[str, Any], path: str) -> list[FieldError]:
    """The key must be the brand's, and each value of the attribute's type (strictly: a NUMBER
    takes JSON numbers, a DATE YYYY-MM-DD strings)."""
    definitions = await attribute_values.definitions(brand_id)
    attribute = definitions.get(args["key"])
    if attribute is None:
        message = f"{path}: no customer attribute '{args['key']}'"
        return [FieldError(path, ErrorCode.UNKNOWN_ATTRIBUTE, message)]
    if ("min" in args or "max" in args) and attribute.type not in RANGED:
        message = f"{path}: min/max apply to {' and '.join(RANGED)} attributes"
        return [FieldError(path, ErrorCode.INVALID, message)]
    for value in _values(args):
        if attribute.type == "DATE" and not isinstance(value, str):
            return [_wrong(path, attribute, "expects a date like 2026-01-31")]
        try:
            clean_value(attribute, value)
        except WrongType as exc:
            return [_wrong(path, attribute, str(exc))]
    return []


def _wrong(path: str, attribute: CustomerAttribute, problem: str) -> FieldError:
    message = f"{path}: '{attribute.key}' is {attribute.type}: {problem}"
    return FieldError(path, ErrorCode.WRONG_ATTRIBUTE_TYPE, message)


def _column_for(value: Any) -> str:
    """The typed column a (checked) rule value is compared with."""
    if isinstance(value, bool):
        return "value_bool"
    if isinstance(value, int | float):
        return "value_number"
    return "value_text"


def compile_sql(q: Any, args: dict[str, Any]) -> str:
    """The predicate as SQL for services.segments.sql's Compiler `q` (its `bind`, `brand_id`,
    and the customer as `c`): an EXISTS on the value rows of the brand's attribute with that
    key. True or false, never NULL, like every predicate there."""
    condition = f"a.brand_id = {q.bind(q.brand_id)} AND a.key = {q.bind(args['key'])}"
    if "isSet" not in args:
        column = f"v.{_column_for(_values(args)[0])}"
        if "equals" in args:
            condition += f" AND {column} = {q.bind(_db(args['equals']))}"
        elif "in" in args:
            condition += f" AND {column} IN ({q.bind(*[_db(v) for v in args['in']])})"
        else:
            if "min" in args:
                condition += f" AND {column} >= {q.bind(_db(args['min']))}"
            if "max" in args:
                condition += f" AND {column} <= {q.bind(_db(args['max']))}"
    found = (
        "EXISTS (SELECT 1 FROM customer_attribute_values v JOIN customer_attributes a"
        f" ON a.id = v.attribute_id WHERE {condition} AND v.customer_id = c.id"
        f" AND v.brand_id = {q.bind(q.brand_id)})"
    )
    return f"NOT {found}" if args.get("isSet") is False else found


def _db(value: Any) -> Any:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


__all__ = ["check", "check_reference", "column_of", "compile_sql"]
