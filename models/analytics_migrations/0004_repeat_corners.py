"""`analytics_repeat_corners`: what repeatPurchaseRate sums (models/analytics_cache.py
RepeatCorner), a cache the refresh rewrites, UNLOGGED on PostgreSQL like the others
(0002_unlogged_caches). It replaces `analytics_customer_days`, which only that report read:
the refresh keeps the buying days in a temporary table now."""

from typing import Any

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


async def unlogged(apps: Any, schema_editor: Any) -> None:
    client = schema_editor.client
    if client.capabilities.dialect == "postgres":
        await client.execute_script("ALTER TABLE analytics_repeat_corners SET UNLOGGED")


async def logged(apps: Any, schema_editor: Any) -> None:
    client = schema_editor.client
    if client.capabilities.dialect == "postgres":
        await client.execute_script("ALTER TABLE analytics_repeat_corners SET LOGGED")


class Migration(migrations.Migration):
    dependencies = [("analytics", "0003_tracked_event_stores")]

    initial = False

    operations = [
        ops.CreateModel(
            name="RepeatCorner",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "brand",
                    fields.ForeignKeyField(
                        "crm.Brand",
                        source_field="brand_id",
                        db_constraint=False,
                        to_field="id",
                        related_name="repeat_corners",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("before_day", fields.IntField()),
                ("through_day", fields.IntField()),
                ("buyers", fields.IntField()),
                ("singles", fields.IntField()),
            ],
            options={
                "table": "analytics_repeat_corners",
                "app": "analytics",
                "indexes": [Index(fields=["brand_id", "before_day"])],
                "pk_attr": "id",
                "table_description": "Weights whose sum over `before_day < range start AND"
                " through_day <= range end` is the",
            },
            bases=["Model"],
        ),
        ops.DeleteModel(name="CustomerDay"),
        ops.RunPython(unlogged, logged),
    ]
