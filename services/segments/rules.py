"""The segment rule grammar: parse and validate a rule tree into its canonical JSON form.

A node is an object with exactly one key: `and`/`or` (a non-empty list of nodes), `not` (a
node) or one predicate (see PREDICATES and docs/offers.md "Segment rule grammar"). Errors name
the node by its path from the root, e.g. `rule.and[1].not.tier`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from services.attributes import segment_rules as attribute_rules
from services.common.errors import ErrorCode, ErrorCollector

STAGES = ("PROSPECT", "NEW", "ACTIVE", "AT_RISK", "CHURNED")
VALUE_TIERS = ("HIGH_VALUE", "POTENTIAL", "ORDINARY", "LOW_VALUE")
GENDERS = ("FEMALE", "MALE", "OTHER", "UNKNOWN")
MAX_DEPTH = 8
MAX_NODES = 200
MAX_VALUES = 100
MAX_DAYS = 36_500
MAX_TEXT = 200
BOOLEAN_KEYS = ("and", "or", "not")


class RuleProblem(ValueError):
    """A predicate's arguments are wrong; the parser adds the node's path."""


Checker = Callable[[dict[str, Any]], dict[str, Any]]


def _args(value: Any, allowed: tuple[str, ...], one_of: bool = False) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise RuleProblem(f"expects an object with {' / '.join(allowed)}")
    unknown = sorted(set(value) - set(allowed))
    if unknown:
        raise RuleProblem(f"unknown key '{unknown[0]}' (expected {', '.join(allowed)})")
    given = {k: v for k, v in value.items() if v is not None}
    if not given:
        raise RuleProblem(f"needs {'one' if one_of else 'at least one'} of {', '.join(allowed)}")
    if one_of and len(given) > 1:
        raise RuleProblem(f"needs exactly one of {', '.join(allowed)}")
    return given


def _strings(value: Any, choices: tuple[str, ...] | None = None, upper: bool = False) -> list[str]:
    if not isinstance(value, list) or not value:
        raise RuleProblem("expects a non-empty list of strings")
    if len(value) > MAX_VALUES:
        raise RuleProblem(f"accepts at most {MAX_VALUES} values")
    cleaned: list[str] = []
    for item in value:
        if not isinstance(item, str) or not item.strip() or len(item.strip()) > MAX_TEXT:
            raise RuleProblem(f"values must be strings of 1 to {MAX_TEXT} characters")
        item = item.strip().upper() if upper else item.strip()
        if choices is not None and item not in choices:
            raise RuleProblem(f"'{item}' is not one of {', '.join(choices)}")
        if item not in cleaned:
            cleaned.append(item)
    return cleaned


def _count(value: Any, name: str, low: int = 0, high: int = MAX_DAYS * 100) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise RuleProblem(f"{name} must be an integer from {low} to {high}")
    return value


def _range(args: dict[str, Any], high: int) -> dict[str, Any]:
    low_value = args.get("min")
    high_value = args.get("max")
    out: dict[str, Any] = {}
    if low_value is not None:
        out["min"] = _count(low_value, "min", 0, high)
    if high_value is not None:
        out["max"] = _count(high_value, "max", 0, high)
    if "min" in out and "max" in out and out["min"] > out["max"]:
        raise RuleProblem("min must not exceed max")
    return out


def _in(choices: tuple[str, ...] | None = None, upper: bool = False) -> Checker:
    def check(value: dict[str, Any]) -> dict[str, Any]:
        return {"in": _strings(_args(value, ("in",))["in"], choices, upper)}

    return check


def _tier(value: dict[str, Any]) -> dict[str, Any]:
    args = _args(value, ("in", "atLeast"), one_of=True)
    if "in" in args:
        return {"in": _strings(args["in"])}
    return {"atLeast": _strings([args["atLeast"]])[0]}


def _age_band(value: dict[str, Any]) -> dict[str, Any]:
    return _range(_args(value, ("min", "max")), 150)


def _tags(value: dict[str, Any]) -> dict[str, Any]:
    args = _args(value, ("any", "all"), one_of=True)
    key = "any" if "any" in args else "all"
    return {key: _strings(args[key])}


def _windowed(value: dict[str, Any], money: bool) -> dict[str, Any]:
    args = _args(value, ("min", "max", "withinDays"))
    out: dict[str, Any] = {}
    if money:
        for key in ("min", "max"):
            if args.get(key) is not None:
                out[key] = _cents(args[key], key)
        if "min" in out and "max" in out and out["min"] > out["max"]:
            raise RuleProblem("min must not exceed max")
        out = {k: _money_text(v) for k, v in out.items()}
    else:
        out = _range(args, 10_000_000)
    if args.get("withinDays") is not None:
        out["withinDays"] = _count(args["withinDays"], "withinDays", 1, MAX_DAYS)
    if not {"min", "max"} & set(out):
        raise RuleProblem("needs min or max")
    return out


def _cents(value: Any, name: str) -> int:
    try:
        amount = float(str(value))
    except ValueError as exc:
        raise RuleProblem(f'{name} must be an amount like "120.50"') from exc
    if isinstance(value, bool) or not 0 <= amount <= 1e12:
        raise RuleProblem(f"{name} must be an amount from 0 to 1000000000000")
    return round(amount * 100)


def _money_text(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def money_cents(text: str) -> int:
    """A canonical amount (as stored by the parser) in cents."""
    return _cents(text, "amount")


def _days_since(value: dict[str, Any]) -> dict[str, Any]:
    return _range(_args(value, ("min", "max")), MAX_DAYS)


def _birthday_month(value: dict[str, Any]) -> dict[str, Any]:
    months = _args(value, ("in",))["in"]
    if not isinstance(months, list) or not months or len(months) > 12:
        raise RuleProblem("in expects a list of 1 to 12 months")
    return {"in": sorted({_count(m, "month", 1, 12) for m in months})}


def _date(value: Any, name: str) -> str:
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError as exc:
        raise RuleProblem(f"{name} must be a date like 2026-01-31") from exc


def _enrolled(value: dict[str, Any]) -> dict[str, Any]:
    args = _args(value, ("from", "to", "withinDays"))
    out: dict[str, Any] = {}
    for key in ("from", "to"):
        if key in args:
            out[key] = _date(args[key], key)
    if "from" in out and "to" in out and out["from"] > out["to"]:
        raise RuleProblem("from must not be after to")
    if "withinDays" in args:
        out["withinDays"] = _count(args["withinDays"], "withinDays", 1, MAX_DAYS)
    return out


def _consent(value: dict[str, Any]) -> dict[str, Any]:
    marketing = _args(value, ("marketing",))["marketing"]
    if not isinstance(marketing, bool):
        raise RuleProblem("marketing must be true or false")
    return {"marketing": marketing}


def _has_coupon(value: dict[str, Any]) -> dict[str, Any]:
    offer_id = _args(value, ("offerId",))["offerId"]
    return {"offerId": _count(offer_id, "offerId", 1, 2**63 - 1)}


def _attribute(value: Any) -> dict[str, Any]:
    try:
        return attribute_rules.check(value)
    except ValueError as exc:
        raise RuleProblem(str(exc)) from exc


PREDICATES: dict[str, Checker] = {
    "tier": _tier,
    "lifecycleStage": _in(STAGES, upper=True),
    "valueTier": _in(VALUE_TIERS, upper=True),
    "city": _in(),
    "region": _in(),
    "gender": _in(GENDERS, upper=True),
    "ageBand": _age_band,
    "tags": _tags,
    "daysSinceLastPurchase": _days_since,
    "purchaseCount": lambda v: _windowed(v, money=False),
    "totalSpend": lambda v: _windowed(v, money=True),
    "birthdayMonth": _birthday_month,
    "enrolled": _enrolled,
    "consent": _consent,
    "hasCoupon": _has_coupon,
    "attribute": _attribute,
}


class _Parser:
    def __init__(self, errors: ErrorCollector) -> None:
        self.errors = errors
        self.nodes = 0

    def fail(self, path: str, message: str) -> None:
        self.errors.add(path, ErrorCode.INVALID, f"{path}: {message}")

    def node(self, value: Any, path: str, depth: int) -> dict[str, Any] | None:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            if self.nodes == MAX_NODES + 1:
                self.fail(path, f"a rule may have at most {MAX_NODES} nodes")
            return None
        if depth > MAX_DEPTH:
            self.fail(path, f"rules may nest at most {MAX_DEPTH} levels deep")
            return None
        if not isinstance(value, dict):
            self.fail(path, "a rule node must be an object with exactly one key")
            return None
        keys = [k for k, v in value.items() if v is not None]
        if len(keys) != 1:
            found = ", ".join(sorted(keys)) or "none"
            self.fail(path, f"a rule node needs exactly one key (found: {found})")
            return None
        key = keys[0]
        here = f"{path}.{key}"
        if key in ("and", "or"):
            return self.group(key, value[key], here, depth)
        if key == "not":
            inner = self.node(value[key], here, depth + 1)
            return None if inner is None else {"not": inner}
        checker = PREDICATES.get(key)
        if checker is None:
            self.fail(
                here, f"unknown rule '{key}' (expected and, or, not, {', '.join(PREDICATES)})"
            )
            return None
        try:
            return {key: checker(value[key])}
        except RuleProblem as exc:
            self.fail(here, str(exc))
            return None

    def group(self, key: str, items: Any, path: str, depth: int) -> dict[str, Any] | None:
        if not isinstance(items, list) or not items:
            self.fail(path, f"'{key}' expects a non-empty list of rule nodes")
            return None
        children = [self.node(item, f"{path}[{i}]", depth + 1) for i, item in enumerate(items)]
        if any(child is None for child in children):
            return None
        return {key: children}


def parse(rule: Any, errors: ErrorCollector, path: str = "rule") -> dict[str, Any] | None:
    """The canonical form of `rule`, or None with every problem added to `errors`."""
    return _Parser(errors).node(rule, path, 1)


def walk(rule: dict[str, Any]) -> list[tuple[str, dict[str, Any], str]]:
    """Every predicate of a canonical rule as (key, arguments, path)."""
    found: list[tuple[str, dict[str, Any], str]] = []

    def visit(node: dict[str, Any], path: str) -> None:
        key, value = next(iter(node.items()))
        if key in ("and", "or"):
            for i, child in enumerate(value):
                visit(child, f"{path}.{key}[{i}]")
        elif key == "not":
            visit(value, f"{path}.not")
        else:
            found.append((key, value, f"{path}.{key}"))

    visit(rule, "rule")
    return found
