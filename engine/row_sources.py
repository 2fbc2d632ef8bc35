"""Objects of a strawberry type read from plain rows, derived from the type's own fields.

`rows_of(Type, RowClass, **readers)` declares, once, how a row stands for one of the type's
objects: a column reader per plain field (by default the row's attribute of the same name;
otherwise the conversion the type applies: an enum, a time in the request's zone, a global id),
and the private attributes its resolvers read. A field with a resolver, a field extension
(permission, masking) or arguments is never read by a level (its objects are built instead:
the extension runs on them), and naming a field with a resolver raises when the type is
declared. The same readers build the objects (`build`), so a level read column by column
(engine/batched) and a level of built objects cannot disagree.

A batch field names the row source of the rows it answers (`engine/batch_resolvers`); an object
field whose values are rows of another source (an edge's node, a connection's edges) says so
with `Rows`. Nothing is registered anywhere else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from operator import attrgetter, methodcaller
from typing import Any

from strawberry.types.base import get_object_definition
from strawberry.types.private import is_private

from resolvers.ids import to_global_ids
from services.common.pagination import Cursor, order_key_of

ColumnReader = Callable[[list[Any], Any], list[Any]]  # (rows, request context) -> values


@dataclass(frozen=True)
class Rows:
    """An object field whose values are rows (or lists of rows) of `source`."""

    reader: ColumnReader
    source: RowSource


@dataclass(frozen=True)
class RowSource:
    """How rows of `row_class` stand for objects of the strawberry type `cls`."""

    cls: type
    row_class: type
    readers: dict[str, ColumnReader]  # the fields a level may read, by Python name
    # Set on the built objects only: private attributes, fields with an extension.
    attributes: dict[str, ColumnReader] = field(default_factory=dict)
    nested: dict[str, RowSource] = field(default_factory=dict)  # fields whose values are rows

    def holds(self, values: list[Any]) -> bool:
        """Every value is one of this source's rows."""
        return bool(values) and set(map(type, values)) == {self.row_class}

    def build_all(self, rows: list[Any], context: Any) -> list[Any]:
        """The type's objects, one a row, from the same readers."""
        columns = {name: read(rows, context) for name, read in self.readers.items()}
        columns.update((name, read(rows, context)) for name, read in self.attributes.items())
        for name, source in self.nested.items():
            column = columns[name]
            if source.holds(column):  # an edge's node: one row each
                columns[name] = source.build_all(column, context)
            else:
                columns[name] = [source.built(value, context) for value in column]
        names = list(columns)
        objects = []
        new = object.__new__
        for values in zip(*columns.values(), strict=True):
            instance: Any = new(self.cls)
            instance.__dict__.update(zip(names, values, strict=True))
            objects.append(instance)
        return objects

    def build(self, row: Any, context: Any) -> Any:
        return self.build_all([row], context)[0]

    def built(self, value: Any, context: Any) -> Any:
        """`value` with this source's rows in it (a row, a list of rows) built as objects."""
        if isinstance(value, self.row_class):
            return self.build(value, context)
        if isinstance(value, list) and self.holds(value):
            return self.build_all(value, context)
        return value


def rows_of(cls: type, row_class: type, **readers: ColumnReader | Rows) -> RowSource:
    """The row source of `cls` from rows of `row_class`: every field of the type without a
    resolver (private attributes included) is set from `readers[name]`, else from the row's
    attribute `name`, and read by a level only when it is public, with no extension and no
    arguments. Naming a field with a resolver, or no field, raises."""
    definition = get_object_definition(cls, strict=True)
    readable: dict[str, ColumnReader] = {}
    attributes: dict[str, ColumnReader] = {}
    nested: dict[str, RowSource] = {}
    for declared in definition.fields:
        name = declared.python_name
        if declared.base_resolver is not None:
            if name in readers:
                raise TypeError(f"{cls.__name__}.{name} has a resolver: rows cannot give it")
            continue
        reader = readers.pop(name, None) or attribute(name)
        if isinstance(reader, Rows):
            nested[name] = reader.source
            reader = reader.reader
        hidden = declared.extensions or declared.arguments or is_private(declared.type)
        (attributes if hidden else readable)[name] = reader
    if readers:
        raise TypeError(f"{cls.__name__} has no field {', '.join(map(repr, readers))}")
    return RowSource(cls, row_class, readable, attributes, nested)


def attribute(name: str) -> ColumnReader:
    """A reader of the rows' attribute `name`, as it is."""
    get = attrgetter(name)
    return lambda rows, _context: list(map(get, rows))


def local_times(name: str) -> ColumnReader:
    """A reader of the rows' aware datetimes `name` in the request's time zone (`context.tz`),
    None kept."""
    get = attrgetter(name)

    def read(rows: list[Any], context: Any) -> list[Any]:
        values = list(map(get, rows))
        in_zone = methodcaller("astimezone", context.tz)
        if None not in values:
            return list(map(in_zone, values))
        return [None if at is None else in_zone(at) for at in values]

    return read


def global_ids(type_name: str, name: str = "id") -> ColumnReader:
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
