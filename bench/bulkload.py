"""Set-based loading for the seed: COPY on PostgreSQL, executemany on SQLite.

Rows bypass the ORM. Each table's column list comes from its Tortoise model, so columns the
caller does not give get the model's default (the ORM's defaults are Python-side, not in SQL).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import asyncpg
from tortoise import fields
from tortoise.models import Model

sqlite3.register_adapter(Decimal, str)
sqlite3.register_adapter(datetime, lambda value: value.isoformat(" "))
sqlite3.register_adapter(date, lambda value: value.isoformat())


class TableSpec:
    """Rows are `given` values in the caller's column order, then the model's defaults."""

    def __init__(self, model: type[Model], given: Sequence[str]) -> None:
        self.table = model._meta.db_table
        self.given = list(given)
        now = datetime.now(UTC)
        rest: list[str] = []
        defaults: list[Any] = []
        for name, column in model._meta.fields_db_projection.items():
            field = model._meta.fields_map[name]
            if column in self.given or field.pk or field.null:
                continue
            rest.append(column)
            defaults.append(_default(field, now))
        unknown = set(self.given) - set(model._meta.fields_db_projection.values())
        if unknown:
            raise ValueError(f"{self.table}: no columns {sorted(unknown)}")
        self.columns = self.given + rest
        self.defaults = tuple(defaults)

    def complete(self, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        tail = self.defaults
        return [row + tail for row in rows] if tail else rows


def _default(field: fields.Field[Any], now: datetime) -> Any:
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return now
    value = field.default() if callable(field.default) else field.default
    if isinstance(field, fields.JSONField):
        return json.dumps(value)
    return value


class Loader:
    """One connection; `load` appends rows in one statement; `finish` fixes sequences."""

    def __init__(self, database_url: str) -> None:
        self.url = database_url
        self.is_postgres = database_url.startswith(("postgres://", "postgresql://"))
        self.pg: asyncpg.Connection | None = None
        self.lite: sqlite3.Connection | None = None
        self.tables: set[str] = set()
        self.rows = 0

    async def open(self) -> None:
        if self.is_postgres:
            self.pg = await asyncpg.connect(self.url.replace("postgres://", "postgresql://", 1))
            await self.pg.execute("SET synchronous_commit = off")
        else:
            self.lite = sqlite3.connect(self.url.removeprefix("sqlite://"), isolation_level=None)
            self.lite.execute("PRAGMA journal_mode = WAL")
            self.lite.execute("PRAGMA synchronous = OFF")

    async def has_table(self, table: str) -> bool:
        if self.pg is not None:
            return bool(await self.pg.fetchval("SELECT to_regclass($1) IS NOT NULL", table))
        assert self.lite is not None
        found = self.lite.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        ).fetchone()
        return found is not None

    async def next_id(self, table: str) -> int:
        sql = f'SELECT COALESCE(MAX(id), 0) + 1 FROM "{table}"'
        if self.pg is not None:
            return int(await self.pg.fetchval(sql))
        assert self.lite is not None
        return int(self.lite.execute(sql).fetchone()[0])

    async def begin(self) -> None:
        if self.pg is not None:
            await self.pg.execute("BEGIN")
        else:
            assert self.lite is not None
            self.lite.execute("BEGIN")

    async def commit(self) -> None:
        if self.pg is not None:
            await self.pg.execute("COMMIT")
        else:
            assert self.lite is not None
            self.lite.execute("COMMIT")

    async def load(self, spec: TableSpec, rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        self.tables.add(spec.table)
        self.rows += len(rows)
        full = spec.complete(rows)
        if self.pg is not None:
            await self.pg.copy_records_to_table(spec.table, records=full, columns=spec.columns)
            return
        assert self.lite is not None
        names = ", ".join(f'"{c}"' for c in spec.columns)
        marks = ", ".join("?" for _ in spec.columns)
        self.lite.executemany(f'INSERT INTO "{spec.table}" ({names}) VALUES ({marks})', full)

    async def finish(self) -> None:
        """Explicit ids were inserted: move each sequence past them, then refresh statistics."""
        if self.pg is not None:
            for table in sorted(self.tables):
                await self.pg.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f'(SELECT MAX(id) FROM "{table}"))'
                )
                await self.pg.execute(f'ANALYZE "{table}"')
            await self.pg.close()
        elif self.lite is not None:
            self.lite.execute("ANALYZE")
            self.lite.close()
