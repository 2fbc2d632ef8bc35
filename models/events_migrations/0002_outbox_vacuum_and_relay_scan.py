"""The outbox is a queue: every row is inserted unpublished and updated once when relayed, so
the relay's index on `published_at` fills with dead entries faster than autovacuum's defaults
(20 % of the table) clean them up; a relay scan then wades through them (64 ms a cycle was
measured with 500,000). On PostgreSQL, vacuum this table after 1 % of it changed."""

from typing import Any

from tortoise import migrations
from tortoise.migrations import operations as ops

OUTBOX_VACUUM = (
    "ALTER TABLE outbox_events SET (autovacuum_vacuum_scale_factor = 0.01, "
    "autovacuum_vacuum_threshold = 1000, autovacuum_analyze_scale_factor = 0.02)"
)
DEFAULT_VACUUM = (
    "ALTER TABLE outbox_events RESET (autovacuum_vacuum_scale_factor, "
    "autovacuum_vacuum_threshold, autovacuum_analyze_scale_factor)"
)


async def _on_postgres(schema_editor: Any, sql: str) -> None:
    client = schema_editor.client
    if client.capabilities.dialect == "postgres":
        await client.execute_script(sql)


async def tune(apps: Any, schema_editor: Any) -> None:
    await _on_postgres(schema_editor, OUTBOX_VACUUM)


async def untune(apps: Any, schema_editor: Any) -> None:
    await _on_postgres(schema_editor, DEFAULT_VACUUM)


class Migration(migrations.Migration):
    dependencies = [("events", "0001_initial")]

    initial = False

    operations = [ops.RunPython(tune, untune)]
