"""The large caches `crm analytics refresh` rewrites wholesale (a million rows for 100,000
customers) skip the write-ahead log on PostgreSQL: with no foreign-key check per row either,
rewriting the buying days went from 18 s to 5.7 s (docs/performance.md, section 6a). A crash
empties them until the next refresh; they are not replicated to standbys."""

from typing import Any

from tortoise import migrations
from tortoise.migrations import operations as ops

TABLES = ("analytics_customer_days", "analytics_active_days", "analytics_cohort_days")


async def _on_postgres(schema_editor: Any, template: str) -> None:
    client = schema_editor.client
    if client.capabilities.dialect == "postgres":
        for table in TABLES:
            await client.execute_script(template.format(table))


async def unlogged(apps: Any, schema_editor: Any) -> None:
    await _on_postgres(schema_editor, "ALTER TABLE {} SET UNLOGGED")


async def logged(apps: Any, schema_editor: Any) -> None:
    await _on_postgres(schema_editor, "ALTER TABLE {} SET LOGGED")


class Migration(migrations.Migration):
    dependencies = [("analytics", "0001_initial")]

    initial = False

    operations = [ops.RunPython(unlogged, logged)]
