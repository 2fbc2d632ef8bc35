"""Input objects built by engine/inputs' plans equal what strawberry's own conversion builds."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from strawberry.types.arguments import convert_argument
from strawberry.types.base import StrawberryObjectDefinition

from schema import build_schema
from schema.customers.inputs import ExternalIdInput, UpdateCustomerInput
from schema.customers.types import Gender
from schema.loyalty.inputs import AwardPointsInput, RecordPurchaseInput, SetMemberTierInput

SCHEMA = build_schema()
# Values as graphql-core hands them over: scalars and enums already parsed.
CASES: list[tuple[type, dict[str, Any]]] = [
    (
        AwardPointsInput,
        {"customerId": "Q3VzdG9tZXI6MQ==", "points": 5, "reason": "r", "source": "staff"},
    ),
    (AwardPointsInput, {"customerId": "Q3VzdG9tZXI6MQ==", "points": 5, "reason": "r"}),
    (
        RecordPurchaseInput,
        {
            "customerId": "Q3VzdG9tZXI6MQ==",
            "amount": Decimal("30.50"),
            "items": [
                {"sku": "A", "name": "Latte", "quantity": 2, "unitPrice": Decimal("15.25")},
                {"sku": "B", "name": "Cake", "category": None, "unitPrice": Decimal("1")},
            ],
            "occurredAt": datetime(2026, 12, 1, tzinfo=UTC),
            "externalId": None,
        },
    ),
    (SetMemberTierInput, {"customerId": "x", "tier": "Gold", "until": None, "reason": ""}),
    (
        UpdateCustomerInput,
        {
            "id": "x",
            "name": None,
            "gender": Gender.FEMALE,
            "birthday": date(1990, 5, 17),
            "externalIds": [{"system": "pos", "externalId": "1"}],
        },
    ),
    (UpdateCustomerInput, {"id": "x", "externalIds": None}),
]


def _convert(cls: type, value: dict[str, Any]) -> Any:
    registry = SCHEMA.schema_converter.scalar_registry
    return convert_argument(value, cls, registry, SCHEMA.config, path=("input",))


@pytest.mark.parametrize(("cls", "value"), CASES)
def test_planned_inputs_equal_strawberrys(cls: type, value: dict[str, Any]) -> None:
    definitions = [cls.__strawberry_definition__, ExternalIdInput.__strawberry_definition__]  # type: ignore[attr-defined]
    planned = _convert(cls, value)
    saved = [d.from_input for d in definitions]
    assert all(getattr(hook, "planned", False) for hook in saved)
    try:
        for definition in definitions:
            definition.from_input = None
        standard = _convert(cls, value)
    finally:
        for definition, hook in zip(definitions, saved, strict=True):
            definition.from_input = hook
    assert type(planned) is type(standard)
    assert vars(planned) == vars(standard)


def test_every_input_type_of_the_schema_has_a_plan() -> None:
    inputs = [
        t.definition
        for t in SCHEMA.schema_converter.type_map.values()
        if isinstance(t.definition, StrawberryObjectDefinition) and t.definition.is_input
    ]
    assert len(inputs) > 30
    assert all(getattr(d.from_input, "planned", False) for d in inputs)
