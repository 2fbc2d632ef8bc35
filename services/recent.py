"""The newest N rows per customer in one statement (a window function, SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import TypeVar

from tortoise.expressions import RawSQL
from tortoise.models import Model
from tortoise.queryset import QuerySet

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
    table = model._meta.db_table
    ranked = (
        f"SELECT id FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY {group_column} "
        f"ORDER BY {order_column} DESC, id DESC) AS rn FROM {table} "
        f"WHERE brand_id = {int(brand_id)} AND {group_column} IN ({ids}) {extra_condition}) "
        f"ranked WHERE rn <= {int(limit)}"
    )
    return model.filter(brand_id=brand_id, id__in=RawSQL(f"({ranked})"))
