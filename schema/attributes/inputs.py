"""Inputs of custom attributes: defining one, setting values, choosing customers by them."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.scalars import JSON

from schema.attributes.types import AttributeType


@strawberry.input
class DefineCustomerAttributeInput:
    key: str = strawberry.field(description="1-64 letters and digits, starting with a letter.")
    label: str = ""
    type: AttributeType
    options: list[str] = strawberry.field(
        default_factory=list, description="ENUM only: the allowed values (1-100)."
    )
    is_pii: bool = False
    is_required: bool = False

    def values(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "type": self.type.value,
            "options": self.options,
            "is_pii": self.is_pii,
            "is_required": self.is_required,
        }


@strawberry.input(description="One attribute's value; null unsets it.")
class AttributeValueInput:
    key: str
    value: JSON | None = None


def attribute_pairs(items: list[AttributeValueInput] | None) -> list[tuple[str, Any]]:
    return [(item.key, item.value) for item in items or []]


@strawberry.input(
    description="Customers by a custom attribute: give one of equals, in, min/max (NUMBER, "
    "DATE) or isSet."
)
class AttributeCondition:
    key: str
    equals: JSON | None = None
    in_: list[JSON] | None = strawberry.field(name="in", default=None)
    min: JSON | None = None
    max: JSON | None = None
    is_set: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "equals": self.equals,
            "in": self.in_,
            "min": self.min,
            "max": self.max,
            "isSet": self.is_set,
        }
