"""Input objects built from their GraphQL values by a plan made once per input type.

strawberry converts an input object field by field, resolving each field's type annotation,
testing it against a dozen kinds of type and looking its name up again, on every request: a
fifth of a small mutation's GraphQL layer. `StrawberryObjectDefinition.from_input`, strawberry's
hook for types that build their own values, takes a plan instead: for each field its GraphQL
name, its Python name and whether its value is a scalar or enum (or a nullable one), which
graphql-core has already parsed and strawberry passes through unchanged. Other fields (lists,
nested inputs, global ids, `Maybe`) are converted by strawberry itself, as before; so are
defaults of fields the client left out, which graphql-core fills in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import MISSING
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLNonNull,
    GraphQLScalarType,
)
from strawberry import Schema
from strawberry.relay import GlobalID
from strawberry.types.arguments import InputContext
from strawberry.types.base import (
    StrawberryMaybe,
    StrawberryObjectDefinition,
    StrawberryOptional,
)

FieldPlan = tuple[str, str, Any, bool]  # GraphQL name, Python name, type, passed through
FromInput = Callable[[type, Mapping[str, Any], InputContext], Any]


def plan_input_conversions(schema: Schema) -> None:
    """Gives every input type of the schema that builds its values the default way a plan."""
    for graphql_type in schema.schema_converter.type_map.values():
        definition = graphql_type.definition
        implementation = graphql_type.implementation
        if (
            isinstance(definition, StrawberryObjectDefinition)
            and definition.is_input
            and isinstance(implementation, GraphQLInputObjectType)
            and (definition.from_input is None or getattr(definition.from_input, "planned", False))
        ):
            definition.from_input = _planned(schema, definition, implementation)


def _planned(
    schema: Schema, definition: StrawberryObjectDefinition, graphql_type: GraphQLInputObjectType
) -> FromInput:
    name_of = schema.config.name_converter.from_field
    plan: list[FieldPlan] = []
    for field in definition.fields:
        graphql_name = name_of(field)
        field_type = field.resolve_type(type_definition=definition)
        passed = _passed_through(field_type, graphql_type.fields[graphql_name].type)
        plan.append((graphql_name, field.python_name, field_type, passed))
    unset_to_none = {
        field.python_name: None
        for field in definition.fields
        if field.default_value is MISSING and field.default_factory is MISSING
    }

    def from_input(cls: type, value: Mapping[str, Any], context: InputContext) -> Any:
        kwargs: dict[str, Any] = dict(unset_to_none)
        for graphql_name, python_name, field_type, passed in plan:
            if graphql_name in value:
                given = value[graphql_name]
                kwargs[python_name] = (
                    given if passed else context.convert(given, field_type, graphql_name)
                )
        return cls(**kwargs)

    from_input.planned = True  # type: ignore[attr-defined]
    return from_input


def _passed_through(field_type: Any, graphql_type: Any) -> bool:
    """A scalar or enum (nullable or not) that strawberry returns as graphql-core parsed it."""
    if isinstance(field_type, StrawberryMaybe):
        return False  # wrapped in Some()
    if isinstance(field_type, StrawberryOptional):
        field_type = field_type.of_type
    if field_type is GlobalID:
        return False  # decoded by strawberry
    if isinstance(graphql_type, GraphQLNonNull):
        graphql_type = graphql_type.of_type
    return isinstance(graphql_type, GraphQLScalarType | GraphQLEnumType)
