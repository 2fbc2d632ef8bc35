"""Fields resolved straight from the level-by-level executor (`engine/batched`): once per
parent without strawberry's per-call wrapper, or once per level through their batch function.

A batch field is declared once, by its batch function (`batch_field`); its per-object resolver,
which graphql-core's executor calls (mutations, subscriptions, a column it completes for the
level-by-level executor), is derived from it: the batch called with one parent, its rows built
by the row source it names. The two cannot disagree."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol, cast

import strawberry
from graphql import GraphQLField
from strawberry.types.field import StrawberryField

from engine.row_sources import RowSource

Batch = Callable[..., Awaitable[list[Any]]]


def batch_field(
    batch: Batch, graphql_type: Any, rows: RowSource | None = None, **field_options: Any
) -> Any:
    """A strawberry field of type `graphql_type` declared by `batch(parents, info, **arguments)`,
    which returns the field's values, one a parent, in order (values or, when `rows` is given,
    rows of `rows.row_class` standing for them). Its arguments are the batch's after `parents`."""
    signature = inspect.signature(batch)
    parents, *parameters = signature.parameters.values()

    async def resolve(self: Any, *args: Any, **kwargs: Any) -> Any:
        (value,) = await batch([self], *args, **kwargs)
        return value if rows is None else rows.built(value, kwargs["info"].context)

    resolve.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[parents.replace(name="self", annotation=inspect.Parameter.empty), *parameters],
        return_annotation=inspect.Signature.empty,
    )
    resolve.__annotations__ = {p.name: p.annotation for p in parameters}
    resolve.__module__ = batch.__module__
    resolve.__name__ = resolve.__qualname__ = batch.__name__
    resolve.batch = batch  # type: ignore[attr-defined]
    resolve.rows = rows  # type: ignore[attr-defined]
    return strawberry.field(resolver=resolve, graphql_type=graphql_type, **field_options)


@dataclass(frozen=True, slots=True)
class WholeColumn:
    """A batch resolver's pending values for a whole level."""

    values: Awaitable[list[Any]]


def is_direct(definition: StrawberryField | None, strawberry_schema: Any) -> bool:
    """Whether a strawberry resolver can be called directly, its arguments converted once for
    all sources: a method (`self` is the source) with no field extension (no permission, no
    masking), no exception handler, no `root`/`parent` parameter. Strawberry's wrapper would
    only build the same Info and convert the same arguments again for every source."""
    resolver = definition.base_resolver if definition is not None else None
    return (
        resolver is not None
        and resolver.self_parameter is not None
        and resolver.parent_parameter is None
        and resolver.root_parameter is None
        and not definition.extensions  # type: ignore[union-attr]
        and not definition.is_subscription  # type: ignore[union-attr]
        and not strawberry_schema.schema_converter.exception_handlers
    )


class ColumnExtension(Protocol):
    """A field extension that can also work on a whole level's column of values at once
    (`resolve_column`), giving each value what its `resolve` would."""

    def resolve_column(self, values: list[Any], sources: list[Any], info: Any) -> list[Any]: ...


def column_extensions(
    definition: StrawberryField | None, field_def: GraphQLField
) -> tuple[ColumnExtension, ...] | None:
    """For a plain field with no arguments whose every extension has a column version: those
    extensions (else None)."""
    if (
        definition is None
        or definition.base_resolver is not None
        or field_def.args
        or not definition.extensions
        or not all(hasattr(e, "resolve_column") for e in definition.extensions)
    ):
        return None
    return tuple(cast(ColumnExtension, e) for e in definition.extensions)
