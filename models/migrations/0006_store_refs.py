"""Purchases refer to a store by id: the free-text `store_id` becomes a foreign key to
`stores`, each distinct text mapped to a store created from it (nothing is lost; see
models.stores_migrations._legacy.py and docs/appointments.md)."""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

from models.stores_migrations._legacy import DropColumn, stores_from_text


async def purchases_to_stores(apps, schema_editor) -> None:
    await stores_from_text(schema_editor, "purchases", "legacy_store")


class Migration(migrations.Migration):
    dependencies = [("crm", "0005_privacy"), ("stores", "0001_initial")]

    initial = False

    operations = [
        ops.RenameField(model_name="Purchase", old_name="store_id", new_name="legacy_store"),
        ops.AddField(
            model_name="Purchase",
            name="store",
            field=fields.ForeignKeyField(
                "stores.Store",
                source_field="store_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name="purchases",
                on_delete=OnDelete.SET_NULL,
            ),
        ),
        ops.RunPython(purchases_to_stores),
        DropColumn(model_name="Purchase", name="legacy_store"),
    ]
