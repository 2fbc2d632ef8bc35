"""Facts about a schema's fields, worked out once and kept on the schema (which keeps its
fields, and so their ids, alive): the executors ask them for every field of every request."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from graphql import GraphQLField
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

T = TypeVar("T")


def per_field(schema: Any, fact: str, field_def: GraphQLField, work_out: Callable[[], T]) -> T:
    """`work_out()` the first time `fact` is asked of `field_def`, the same answer after."""
    known: dict[int, T] = schema.__dict__.setdefault(f"_{fact}", {})
    try:
        return known[id(field_def)]
    except KeyError:
        answer = known[id(field_def)] = work_out()
        return answer


def strawberry_field(field_def: GraphQLField) -> StrawberryField | None:
    """The strawberry definition behind a graphql-core field, if there is one."""
    definition = (field_def.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    return definition if isinstance(definition, StrawberryField) else None
