"""Raw SQL rows as model instances: the hot paths' reads and inserts, without the ORM's
per-call query building (which costs more than the statement it builds). `?` placeholders,
written once for SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, TypeVar

from tortoise import Tortoise, fields, timezone
from tortoise.fields import DatetimeField, JSONField
from tortoise.models import Model

from library_adapter import instance_from_db
from models.statements import execute_counting, fetch_rows

M = TypeVar("M", bound=Model)
IDENTIFIER = re.compile(r"[_A-Za-z][_0-9A-Za-z]*")


def model_from_row(model: type[M], row: Mapping[str, Any]) -> M:
    """What `model._init_from_db(**row)` builds, for a row holding all the model's columns:
    about twice as quick, since it sets the instance's attributes in one dict and converts
    only what the driver has not (an aware datetime is moved to the ORM's time zone inline)."""
    try:
        return _row_reader(model, timezone.get_use_tz(), timezone.get_timezone())(row)
    except (KeyError, IndexError):  # columns left out (SQLite rows raise IndexError)
        return instance_from_db(model, row)


@lru_cache(maxsize=128)
def _row_reader(model: type[M], use_tz: bool, zone: str) -> Callable[[Mapping[str, Any]], M]:
    meta = model._meta
    names: dict[str, Any] = {"new": object.__new__, "cls": model, "DT": datetime}
    names["set"] = object.__setattr__  # the model's own __setattr__ checks every assignment
    names["TZ"] = timezone.parse_timezone(zone)
    items = [
        "'_partial': False",
        "'_saved_in_db': True",
        f"'_custom_generated_pk': {meta.db_pk_column not in meta.generated_db_fields}",
        "'_await_when_save': {}",
    ]
    for column, attribute, _ in meta.db_native_fields:
        items.append(f"{attribute!r}: row[{column!r}]")
    for i, (column, attribute, field) in enumerate(meta.db_default_fields):
        names[f"t{i}"] = field.field_type
        items.append(f"{attribute!r}: None if (v := row[{column!r}]) is None else t{i}(v)")
    for i, (column, attribute, field) in enumerate(meta.db_complex_fields):
        names[f"c{i}"] = field.to_python_value
        value = f"c{i}(row[{column!r}])"
        if isinstance(field, DatetimeField) and use_tz:  # what the field does to aware values
            value = (
                f"None if (v := row[{column!r}]) is None else v.astimezone(TZ) "
                f"if v.__class__ is DT and v.tzinfo is not None else c{i}(v)"
            )
        items.append(f"{attribute!r}: {value}")
    for column, attribute, _ in [
        *meta.db_native_fields,
        *meta.db_default_fields,
        *meta.db_complex_fields,
    ]:
        if not (IDENTIFIER.fullmatch(column) and IDENTIFIER.fullmatch(attribute)):
            raise ValueError(f"{meta.db_table}: unexpected column name {column!r}")
    source = (
        "def read(row):\n"
        "    instance = new(cls)\n"
        f"    set(instance, '__dict__', {{{', '.join(items)}}})\n"
        "    return instance\n"
    )
    exec(source, names)
    return names["read"]  # type: ignore[no-any-return]


@lru_cache(maxsize=512)
def to_postgres(sql: str) -> str:
    """`?` placeholders as PostgreSQL's `$1, $2, ...`."""
    parts = sql.split("?")
    return parts[0] + "".join(f"${i}{part}" for i, part in enumerate(parts[1:], start=1))


async def fetch_models(
    model: type[M], sql: str, params: list[Any], *, for_update: bool = False
) -> list[M]:
    """The rows of a `SELECT *` query as instances of the model, converted by the model's own
    fields; `for_update` locks the rows on PostgreSQL (SQLite has no row locks: its writers are
    serialised)."""
    conn = Tortoise.get_connection("default")
    if conn.capabilities.dialect == "postgres":
        sql = to_postgres(sql + " FOR UPDATE" if for_update else sql)
    rows = await fetch_rows(conn, sql, params)
    return [model_from_row(model, row) for row in rows]


async def fetch_model(
    model: type[M], sql: str, params: list[Any], *, for_update: bool = False
) -> M | None:
    """The first row of `fetch_models`, or None."""
    found = await fetch_models(model, sql, params, for_update=for_update)
    return found[0] if found else None


@lru_cache(maxsize=64)
def _insert_plan(
    model: type[Model], columns: tuple[str, ...]
) -> tuple[str, str, tuple[tuple[str, JSONField[Any]], ...]]:
    """The INSERT for these columns in both dialects, and the JSON columns among them."""
    fields = model._meta.fields_db_projection_reverse
    table = model._meta.db_table
    missing = [c for c in columns if c not in fields]
    if missing:
        raise ValueError(f"{table} has no columns {missing}")
    marks = ", ".join("?" * len(columns))
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks}) RETURNING *"
    json_columns = tuple(
        (c, field)
        for c in columns
        if isinstance(field := model._meta.fields_map[fields[c]], JSONField)
    )
    return sql, to_postgres(sql), json_columns


@lru_cache(maxsize=64)
def _created_columns(model: type[Model]) -> tuple[str, ...]:
    return tuple(
        field.source_field or name
        for name, field in model._meta.fields_map.items()
        if isinstance(field, DatetimeField) and field.auto_now_add
    )


async def insert(model: type[M], row: dict[str, Any]) -> M:
    """INSERT one row (keys are column names, JSON columns take Python values, `auto_now_add`
    columns left out are set to now) and return it as an instance of the model: what
    `Model.create` does, without the per-call work of the ORM's save path."""
    values = dict(row)
    for column in _created_columns(model):
        values.setdefault(column, datetime.now(UTC))
    sqlite_sql, postgres_sql, json_columns = _insert_plan(model, tuple(values))
    for column, field in json_columns:  # the field's own encoder, as the ORM would
        values[column] = field.to_db_value(values[column], model)
    conn = Tortoise.get_connection("default")
    sql = postgres_sql if conn.capabilities.dialect == "postgres" else sqlite_sql
    rows = await fetch_rows(conn, sql, list(values.values()))
    return model_from_row(model, rows[0])


def one_of(
    column: str, ids: Sequence[int], position: int, on_postgres: bool
) -> tuple[str, list[Any]]:
    """`column` is one of `ids`, as SQL and its parameters: an array parameter (`$position`) on
    PostgreSQL, one prepared statement whatever the count; the ids spliced in as integers on
    SQLite."""
    if on_postgres:
        return f"{column} = ANY(${position}::bigint[])", [[int(i) for i in ids]]
    return f"{column} IN ({', '.join(str(int(i)) for i in ids)})", []


def _checked_column(model: type[Model], column: str) -> str:
    if column not in model._meta.fields_db_projection_reverse:
        raise ValueError(f"{model._meta.db_table} has no column {column}")
    return column


async def fetch_in_brand(
    model: type[M],
    brand_id: int,
    column: str,
    values: list[int],
    where: str = "",
    params: Sequence[Any] = (),
    order_by: str = "",
) -> list[M]:
    """`SELECT *` of the brand's rows whose integer `column` is one of `values`, as model
    instances: a loader's batch. `where` adds a condition with `?` placeholders for `params`
    (encoded as the database stores them: `db_value`), `order_by` an ordering."""
    if not values:
        return []
    conn = Tortoise.get_connection("default")
    on_postgres = conn.capabilities.dialect == "postgres"
    position = 2 + len(params)
    condition, ids = one_of(_checked_column(model, column), values, position, on_postgres)
    extra = f" AND ({where})" if where else ""
    order = f" ORDER BY {order_by}" if order_by else ""
    sql = f"SELECT * FROM {model._meta.db_table} WHERE brand_id = ?{extra} AND {condition}{order}"
    sql = to_postgres(sql) if on_postgres else sql
    rows = await fetch_rows(conn, sql, [brand_id, *params, *ids])
    return [model_from_row(model, row) for row in rows]


def db_value(model: type[Model], column: str, value: Any) -> Any:
    """`value` as the ORM would send it for `column`: its field's own encoding."""
    meta = model._meta
    field = meta.fields_map[meta.fields_db_projection_reverse[_checked_column(model, column)]]
    return field.to_db_value(value, model)


async def set_in(model: type[Model], column: str, value: Any, ids: list[int]) -> None:
    """`UPDATE ... SET column = value WHERE id` is one of `ids`."""
    if not ids:
        return
    value = db_value(model, column, value)
    conn = Tortoise.get_connection("default")
    on_postgres = conn.capabilities.dialect == "postgres"
    condition, listed = one_of("id", ids, 2, on_postgres)
    sql = f"UPDATE {model._meta.db_table} SET {column} = ? WHERE {condition}"
    await execute_counting(conn, to_postgres(sql) if on_postgres else sql, [value, *listed])


@lru_cache(maxsize=64)
def _stamped_columns(model: type[Model]) -> tuple[str, ...]:
    return tuple(
        field.source_field or name
        for name, field in model._meta.fields_map.items()
        if isinstance(field, DatetimeField) and (field.auto_now_add or field.auto_now)
    )


# Fields whose Python values the drivers take as they are.
_PLAIN_FIELDS = (
    fields.IntField,
    fields.BigIntField,
    fields.SmallIntField,
    fields.CharField,
    fields.TextField,
    fields.BooleanField,
    fields.FloatField,
)


@lru_cache(maxsize=256)
def _encoder(model: type[Model], column: str) -> Callable[[Any], Any] | None:
    """How `insert` sends a value of the column: None for as it is (plain types, datetimes),
    else the field's own encoding (JSON, sealed values...)."""
    meta = model._meta
    field = meta.fields_map[meta.fields_db_projection_reverse[_checked_column(model, column)]]
    if type(field) in _PLAIN_FIELDS or isinstance(field, DatetimeField):
        return None
    return lambda value: field.to_db_value(value, model)


_PG_TYPES: dict[type[Any], str] = {
    fields.BigIntField: "bigint",
    fields.IntField: "integer",
    fields.SmallIntField: "smallint",
    fields.CharField: "text",
    fields.TextField: "text",
    fields.BooleanField: "boolean",
    fields.FloatField: "double precision",
    fields.DecimalField: "numeric",
    fields.DatetimeField: "timestamptz",
    fields.DateField: "date",
    fields.JSONField: "jsonb",
}


@lru_cache(maxsize=64)
def _unnest_insert(model: type[Model], columns: tuple[str, ...]) -> str:
    """`INSERT ... SELECT * FROM unnest($1::type[], ...)`: one array a column, so the
    statement's text (and its plan) is the same whatever the number of rows."""
    meta = model._meta
    arrays = []
    for i, column in enumerate(columns, start=1):
        field = meta.fields_map[meta.fields_db_projection_reverse[column]]
        kind = next((_PG_TYPES[c] for c in type(field).__mro__ if c in _PG_TYPES), None)
        if kind is None:
            raise ValueError(f"{meta.db_table}.{column}: no array type for {type(field)}")
        arrays.append(f"${i}::{kind}[]")
    return (
        f"INSERT INTO {meta.db_table} ({', '.join(columns)}) "
        f"SELECT * FROM unnest({', '.join(arrays)})"
    )


async def insert_many(
    model: type[Model], rows: Sequence[dict[str, Any]], on_conflict: str = ""
) -> int:
    """INSERT rows that all have the same columns (`auto_now_add` and `auto_now` ones left
    out are set to now), inside the caller's transaction: one statement with an array a
    column on PostgreSQL, multi-row VALUES (as many rows as the placeholder limit allows) on
    SQLite. `on_conflict` (an `ON CONFLICT ...` clause, no placeholders) makes it an upsert.
    How many were written."""
    if not rows:
        return 0
    now = datetime.now(UTC)
    columns = list(rows[0])
    for column in _stamped_columns(model):
        if column not in columns:
            columns.append(column)
    encoders = [_encoder(model, c) for c in columns]
    values = [
        [
            v if (v := row.get(c, now)) is None or e is None else e(v)
            for c, e in zip(columns, encoders, strict=True)
        ]
        for row in rows
    ]
    conn = Tortoise.get_connection("default")
    if conn.capabilities.dialect == "postgres":
        arrays = [list(column) for column in zip(*values, strict=True)]
        sql = _unnest_insert(model, tuple(columns))
        return await execute_counting(conn, f"{sql} {on_conflict}".rstrip(), arrays)
    per_statement = max(1, min(1000, 30_000 // len(columns)))
    row_marks = f"({', '.join('?' * len(columns))})"
    written = 0
    for start in range(0, len(values), per_statement):
        batch = values[start : start + per_statement]
        sql = f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) VALUES " + ", ".join(
            [row_marks] * len(batch)
        )
        sql = f"{sql} {on_conflict}".rstrip()
        written += await execute_counting(conn, sql, [v for row in batch for v in row])
    return written


async def fetch_by_values(
    model: type[M], brand_id: int, columns: tuple[str, ...], values: Sequence[tuple[str, ...]]
) -> list[M]:
    """The brand's rows whose text `columns` equal one of the tuples `values`, in id order: on
    PostgreSQL one statement joining the values given as arrays (the same text and a good
    plan whatever their number: an index probe a value, also in the generic plan the server
    settles on after five runs), on SQLite `IN` lists."""
    if not values:
        return []
    for column in columns:
        _checked_column(model, column)
    table = model._meta.db_table
    conn = Tortoise.get_connection("default")
    if conn.capabilities.dialect == "postgres":
        arrays = ", ".join(f"${i}::text[]" for i in range(2, len(columns) + 2))
        joined = " AND ".join(f"t.{c} = given.{c}" for c in columns)
        sql = (
            f"SELECT t.* FROM unnest({arrays}) AS given({', '.join(columns)})"
            f" JOIN {table} t ON t.brand_id = $1 AND {joined}"
        )
        params: list[Any] = [brand_id, *([list(v) for v in zip(*values, strict=True)])]
        found = await fetch_rows(conn, sql, params)
    else:
        found = []
        listed = list(dict.fromkeys(values))
        for start in range(0, len(listed), 500):
            batch = listed[start : start + 500]
            marks = ", ".join(f"({', '.join('?' * len(columns))})" for _ in batch)
            sql = f"SELECT * FROM {table} WHERE brand_id = ? AND ({', '.join(columns)}) IN"
            sql += f" (VALUES {marks})"
            found += await fetch_rows(conn, sql, [brand_id, *(v for row in batch for v in row)])
    unique = {row["id"]: row for row in found}
    return [model_from_row(model, unique[i]) for i in sorted(unique)]


async def next_ids(model: type[Model], count: int) -> list[int] | None:
    """`count` ids taken from the table's id sequence (PostgreSQL), for rows inserted together
    whose ids other rows need; None on SQLite (insert such rows one by one there)."""
    conn = Tortoise.get_connection("default")
    if conn.capabilities.dialect != "postgres" or count == 0:
        return None
    table = model._meta.db_table
    sequence = f"pg_get_serial_sequence('{table}', 'id')"
    sql = f"SELECT nextval({sequence}) AS id FROM generate_series(1, $1)"
    found = await fetch_rows(conn, sql, [count])
    return [int(row["id"]) for row in found]
