"""The newest N rows per customer in one statement (a window function, SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar, cast

from tortoise.expressions import RawSQL
from tortoise.models import Model
from tortoise.queryset import QuerySet

from library_adapter import model_client
from models.rows import one_of

M = TypeVar("M", bound=Model)


def newest_per_group(
    model: type[M],
    group_column: str,
    brand_id: int,
    group_ids: list[int],
    limit: int,
    extra_condition: str = "",
    text_column: bool = False,
    order_column: str = "created_at",
) -> QuerySet[M]:
    """Rows of `model` whose rank within their group (newest first) is at most `limit`.

    Every value spliced into the SQL is an int or a constant string written here, never input.
    """
    quote = "'" if text_column else ""
    ids = ", ".join(f"{quote}{int(i)}{quote}" for i in group_ids) or "NULL"
    where = f"brand_id = {int(brand_id)} AND {group_column} IN ({ids}) {extra_condition}"
    ranked = _ranked(model, "id", group_column, order_column, where, limit)
    return model.filter(brand_id=brand_id, id__in=RawSQL(f"({ranked})"))


def _ranked(
    model: type[Model], selected: str, group_column: str, order_column: str, where: str, limit: int
) -> str:
    """`selected` of the rows matching `where` that rank at most `limit` in their group, newest
    first (ties broken by id)."""
    return (
        f"SELECT {selected} FROM (SELECT {selected}, ROW_NUMBER() OVER (PARTITION BY "
        f"{group_column} ORDER BY {order_column} DESC, id DESC) AS rn "
        f"FROM {model._meta.db_table} WHERE {where}) ranked WHERE rn <= {int(limit)}"
    )


async def newest_rows(
    model: type[Model],
    columns: Sequence[str],
    group_column: str,
    brand_id: int,
    group_ids: Sequence[int],
    limit: int,
    order_column: str = "created_at",
) -> list[Sequence[Any]]:
    """The rows `newest_per_group` selects, as sequences of `columns`, grouped by `group_column`
    (in its order) and newest first within a group (the window's own order), read without
    building model instances (a wide page reads hundreds of them; the instances cost most of
    the time). Values have the model's Python types: PostgreSQL's driver returns them as such,
    SQLite's text values go through the model's own field converters."""
    if not group_ids:
        return []
    db = model_client(model)
    selected = ", ".join(columns)
    on_postgres = db.capabilities.dialect == "postgres"
    condition, ids = one_of(group_column, group_ids, 2, on_postgres)
    where = f"brand_id = {'$1' if on_postgres else '?'} AND {condition}"
    ranked = _ranked(model, selected, group_column, order_column, where, limit)
    sql = f"{ranked} ORDER BY {group_column}, {order_column} DESC, id DESC"
    _, rows = await db.execute_query(sql, [brand_id, *ids])
    if on_postgres:  # asyncpg's records (typed as dicts by the ORM) are sequences already
        return list(cast(Sequence[Sequence[Any]], rows))
    fields = model._meta.fields_map
    convert = [fields[c].to_python_value for c in columns]
    return [tuple(f(v) for f, v in zip(convert, row, strict=True)) for row in rows]
