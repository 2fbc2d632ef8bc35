"""Offer ids inside a rule: global ids at the API, database ids in the stored rule."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from resolvers.ids import BadGlobalId, decode_id, to_global_id
from services.common.errors import DomainError, ErrorCode

OFFER = "Offer"


def _map_offers(rule: Any, change: Callable[[Any, str], Any], path: str = "rule") -> Any:
    if isinstance(rule, list):
        return [_map_offers(item, change, f"{path}[{i}]") for i, item in enumerate(rule)]
    if not isinstance(rule, dict):
        return rule
    out: dict[str, Any] = {}
    for key, value in rule.items():
        here = f"{path}.{key}"
        if key == "hasCoupon" and isinstance(value, dict) and "offerId" in value:
            out[key] = {**value, "offerId": change(value["offerId"], here)}
        else:
            out[key] = _map_offers(value, change, here)
    return out


def _decode(value: Any, path: str) -> Any:
    try:
        return decode_id(str(value), OFFER)
    except BadGlobalId as exc:
        raise DomainError.single(path, ErrorCode.INVALID, f"{path}: {exc}") from exc


def from_api(rule: Any) -> Any:
    """The rule with each hasCoupon offerId decoded; a bad id names its node."""
    return _map_offers(rule, _decode)


def to_api(rule: dict[str, Any]) -> Any:
    """A stored rule as clients see it (offer ids global, as they give them)."""
    return _map_offers(rule, lambda value, _: to_global_id(OFFER, int(value)))
