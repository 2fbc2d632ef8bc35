"""Levels read straight from rows, for the level-by-level executor (`engine/batched`).

A batch resolver may answer plain rows (a page of the ledger as tuples) where its field's type
is a strawberry object, when the row's class is registered for that type with `row_source`: a
column reader per field, giving for a whole level what the field would give for each object
built from the rows, and a function building one such object. When every field selected at a
level has a reader, the executor reads the level column by column from the rows, without an
object, an edge and a cursor per row; otherwise it builds the objects first and goes on as
usual. Only the level-by-level executor calls batch resolvers, so graphql-core's executor never
sees a row (a column it completes for the level-by-level one gets the built objects).

Readers stand in for plain fields and for resolvers with no extension (no permission, no
masking) and no arguments; any other field makes the level build its objects.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from operator import attrgetter, methodcaller
from typing import Any

from graphql import GraphQLField, GraphQLObjectType

from engine.field_facts import per_field, strawberry_field
from resolvers.ids import to_global_ids
from services.common.pagination import Cursor, order_key_of

ColumnReader = Callable[[list[Any], Any], list[Any]]  # (rows, request context) -> values
Materialize = Callable[[Any, Any], Any]  # (row, request context) -> the type's object


@dataclass(frozen=True)
class RowSource:
    """How objects of one GraphQL type are read from rows of one Python class."""

    type_name: str
    row_class: type
    readers: Mapping[str, ColumnReader]  # by the field's Python name
    materialize: Materialize

    def read(self, name: str, rows: list[Any], context: Any) -> list[Any]:
        return self.readers[name](rows, context)


_SOURCES: dict[tuple[str, type], RowSource] = {}
_TYPE_NAMES: set[str] = set()


def row_source(
    type_name: str, row_class: type, materialize: Materialize, readers: Mapping[str, ColumnReader]
) -> RowSource:
    """Register how rows of `row_class` stand for objects of the GraphQL type `type_name`."""
    source = RowSource(type_name, row_class, dict(readers), materialize)
    _SOURCES[(type_name, row_class)] = source
    _TYPE_NAMES.add(type_name)
    return source


def attribute(name: str) -> ColumnReader:
    """A reader of the rows' attribute `name`, as it is."""
    get = attrgetter(name)
    return lambda rows, _context: list(map(get, rows))


def local_times(name: str) -> ColumnReader:
    """A reader of the rows' aware datetimes `name`, in the request's time zone (`context.tz`),
    None kept: what `schema.common.local_time` gives each object's field."""
    get = attrgetter(name)

    def read(rows: list[Any], context: Any) -> list[Any]:
        values = list(map(get, rows))
        in_zone = methodcaller("astimezone", context.tz)
        if None not in values:
            return list(map(in_zone, values))
        return [None if at is None else in_zone(at) for at in values]

    return read


def global_ids(type_name: str, name: str) -> ColumnReader:
    """A reader of the rows' primary keys `name` as `type_name`'s global ids (a missing key,
    None or 0, gives None)."""
    get = attrgetter(name)

    def read(rows: list[Any], _context: Any) -> list[str | None]:
        pks = list(map(get, rows))
        if all(pks):
            return list(to_global_ids(type_name, pks))
        ids = iter(to_global_ids(type_name, [pk for pk in pks if pk]))
        return [next(ids) if pk else None for pk in pks]

    return read


def cursors(field: str, descending: bool) -> ColumnReader:
    """A reader of the rows' cursors in the order (`field`, then id) their list is read in:
    what `resolvers.first_rows.FirstRows.cursor` gives each row."""
    key = order_key_of(field, descending)
    get = attrgetter(field)
    return lambda rows, _context: [Cursor(key, get(row), row.id) for row in rows]


def same_rows(rows: list[Any], _context: Any) -> list[Any]:
    """A reader for a field whose object is read from the same row (an edge's node)."""
    return list(rows)


def row_source_of(object_type: GraphQLObjectType, values: list[Any]) -> RowSource | None:
    """The row source when every value is a row of one registered class, else None."""
    if object_type.name not in _TYPE_NAMES or not values:
        return None
    kinds = set(map(type, values))
    if len(kinds) != 1:
        return None
    return _SOURCES.get((object_type.name, kinds.pop()))


def is_row_of(object_type: GraphQLObjectType, value: Any) -> bool:
    return (object_type.name, value.__class__) in _SOURCES


def built(object_type: GraphQLObjectType, values: list[Any], context: Any) -> list[Any]:
    """The values with every registered row turned into the type's object."""
    if object_type.name not in _TYPE_NAMES:
        return values
    kinds = {kind for kind in set(map(type, values)) if (object_type.name, kind) in _SOURCES}
    if not kinds:
        return values
    return [
        _SOURCES[(object_type.name, value.__class__)].materialize(value, context)
        if value.__class__ in kinds
        else value
        for value in values
    ]


def readable_name(field_def: GraphQLField, schema: Any) -> str | None:
    """The Python name of a strawberry field a reader may stand for: no extension, no
    argument (else None)."""
    return per_field(schema, "readable_names", field_def, lambda: _readable(field_def))


def _readable(field_def: GraphQLField) -> str | None:
    definition = strawberry_field(field_def)
    if definition is None or definition.extensions or field_def.args:
        return None
    return definition.python_name
