"""Tracked events refer to a store by foreign key now that stores exist: the plain integer
`store_id` becomes a foreign key to `stores` (SET NULL when a store goes); an id that named no
store of the event's brand is dropped (ingest refused such ids since stores landed)."""

from typing import Any

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

from models.stores_migrations._legacy import DropColumn


async def keep_known_stores(apps: Any, schema_editor: Any) -> None:
    await schema_editor.client.execute_script(
        "UPDATE tracked_events SET store_id = legacy_store_id WHERE legacy_store_id IN"
        " (SELECT s.id FROM stores s WHERE s.brand_id = tracked_events.brand_id)"
    )


class Migration(migrations.Migration):
    dependencies = [("analytics", "0002_unlogged_caches"), ("stores", "0001_initial")]

    initial = False

    operations = [
        ops.RenameField(model_name="TrackedEvent", old_name="store_id", new_name="legacy_store_id"),
        ops.AddField(
            model_name="TrackedEvent",
            name="store",
            field=fields.ForeignKeyField(
                "stores.Store",
                source_field="store_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name="tracked_events",
                on_delete=OnDelete.SET_NULL,
            ),
        ),
        ops.RunPython(keep_known_stores),
        DropColumn(model_name="TrackedEvent", name="legacy_store_id"),
    ]
