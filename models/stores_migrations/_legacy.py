"""Turning free-text store references into stores (used by the `crm` and `service` apps'
crm 0006 and service 0004 migrations): every distinct text becomes a store of its brand (code and name = the
text, trimmed; the brand's time zone; no hours), and each row then points at that store, so
nothing is lost. Written once for SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from tortoise.migrations import operations as ops


def _is_postgres(schema_editor: Any) -> bool:
    return bool(schema_editor.client.capabilities.dialect == "postgres")


async def stores_from_text(schema_editor: Any, table: str, column: str) -> None:
    """Create the missing stores named in `table.column`, then set `table.store_id`."""
    client = schema_editor.client
    postgres = _is_postgres(schema_editor)
    empty_object, empty_list = ("'{}'::jsonb", "'[]'::jsonb") if postgres else ("'{}'", "'[]'")
    code = f"TRIM(t.{column})"
    await client.execute_script(
        "INSERT INTO stores (brand_id, code, name, timezone, opening_hours, exceptions, status,"
        " created_at, updated_at)"
        f" SELECT DISTINCT t.brand_id, {code}, {code}, b.timezone, {empty_object}, {empty_list},"
        " 'OPEN', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP"
        f" FROM {table} t JOIN brands b ON b.id = t.brand_id"
        f" WHERE t.{column} IS NOT NULL AND {code} <> ''"
        " AND NOT EXISTS (SELECT 1 FROM stores s"
        f" WHERE s.brand_id = t.brand_id AND s.code = {code})"
    )
    await client.execute_script(
        f"UPDATE {table} SET store_id = (SELECT s.id FROM stores s"
        f" WHERE s.brand_id = {table}.brand_id AND s.code = TRIM({table}.{column}))"
        f" WHERE {column} IS NOT NULL"
    )


class DropColumn(ops.RemoveField):
    """RemoveField by `ALTER TABLE ... DROP COLUMN` on every database.

    Tortoise's SQLite editor removes a field by rebuilding the table: it drops the old table
    (with foreign keys on, that cascades to the rows of child tables: purchase items, survey
    responses) and loses its indexes and unique constraints. A plain, unindexed column can
    be dropped in place instead (SQLite 3.35+, PostgreSQL)."""

    async def database_forward(
        self, app_label: str, old_state: Any, new_state: Any, state_editor: Any = None
    ) -> None:
        if not state_editor:
            return
        model = old_state.apps.get_model(f"{app_label}.{self.model_name}")
        field = model._meta.fields_map[self.name]
        column = field.source_field or field.model_field_name
        await state_editor.client.execute_script(
            f'ALTER TABLE "{model._meta.db_table}" DROP COLUMN "{column}"'
        )
