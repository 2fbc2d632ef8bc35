"""Resolvers called straight from the level-by-level executor (`engine/batched`): once per
parent without strawberry's per-call wrapper, or once per level through a batch version."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar, cast

from graphql import GraphQLField, GraphQLObjectType
from strawberry.types.field import StrawberryField

from engine.field_facts import per_field, strawberry_field
from library_adapter import strawberry_schema_of

F = TypeVar("F", bound=Callable[..., Any])


def batch_resolver(batch: Callable[..., Awaitable[list[Any]]]) -> Callable[[F], F]:
    """Give a resolver a version for a whole list of parents: `batch(parents, **the resolver's
    keyword arguments)` returns a list of the field's values, one a parent, in order. The
    level-by-level executor calls it once per level instead of the resolver once per parent
    (one coroutine, one task and one DataLoader call for the level); graphql-core's executor
    (mutations, subscriptions, a column it resolves for the level-by-level executor) keeps
    calling the resolver, so the two must agree (tests/test_batched_schema.py compares them on
    the real schema)."""

    def attach(resolver: F) -> F:
        resolver.batch = batch  # type: ignore[attr-defined]
        return resolver

    return attach


@dataclass(frozen=True, slots=True)
class WholeColumn:
    """A batch resolver's pending values for a whole level."""

    values: Awaitable[list[Any]]


def direct_resolver(field_def: GraphQLField, schema: Any) -> tuple[StrawberryField, Any] | None:
    """A strawberry resolver that can be called directly, its arguments converted once for
    all sources: a method (`self` is the source) with no field extension (no permission, no
    masking), no exception handler, no `root`/`parent` parameter. Strawberry's wrapper would
    only build the same Info and convert the same arguments again for every source."""
    return per_field(schema, "direct_resolvers", field_def, lambda: _direct(field_def, schema))


def _direct(field_def: GraphQLField, schema: Any) -> tuple[StrawberryField, Any] | None:
    definition = strawberry_field(field_def)
    strawberry_schema = strawberry_schema_of(schema)
    direct = None
    if (
        definition is not None
        and strawberry_schema is not None
        and definition.base_resolver is not None
        and definition.base_resolver.self_parameter is not None
        and definition.base_resolver.parent_parameter is None
        and definition.base_resolver.root_parameter is None
        and not definition.extensions
        and not strawberry_schema.schema_converter.exception_handlers
        and not definition.is_subscription
    ):
        direct = (definition, strawberry_schema)
    return direct


def accepted_classes(schema: Any, object_type: GraphQLObjectType) -> set[type]:
    """Classes whose instances `object_type.is_type_of` accepted, kept on the schema."""
    known: dict[int, tuple[GraphQLObjectType, set[type]]] = schema.__dict__.setdefault(
        "_accepted_classes", {}
    )
    found = known.get(id(object_type))
    if found is None or found[0] is not object_type:
        found = known[id(object_type)] = (object_type, set())
    return found[1]


class ColumnExtension(Protocol):
    """A field extension that can also work on a whole level's column of values at once
    (`resolve_column`), giving each value what its `resolve` would."""

    def resolve_column(self, values: list[Any], sources: list[Any], info: Any) -> list[Any]: ...


def column_extensions(
    field_def: GraphQLField, schema: Any
) -> tuple[str, tuple[ColumnExtension, ...], StrawberryField] | None:
    """For a strawberry field with no resolver and no arguments whose every extension has a
    column version: its attribute and those extensions (else None). Cached on the schema."""
    return per_field(schema, "column_extensions", field_def, lambda: _columns(field_def))


def _columns(
    field_def: GraphQLField,
) -> tuple[str, tuple[ColumnExtension, ...], StrawberryField] | None:
    definition = strawberry_field(field_def)
    found = None
    if (
        definition is not None
        and definition.base_resolver is None
        and not field_def.args
        and definition.extensions
        and all(hasattr(e, "resolve_column") for e in definition.extensions)
    ):
        extensions = tuple(cast(ColumnExtension, e) for e in definition.extensions)
        found = (definition.python_name, extensions, definition)
    return found
