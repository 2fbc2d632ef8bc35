"""Tickets and survey invitations/responses refer to a store by id: the free-text `store`
columns become foreign keys to `stores` (each distinct text mapped to a store created from
it; see models.stores_migrations._legacy.py), and tickets gain an optional store."""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

from models.stores_migrations._legacy import DropColumn, stores_from_text


def _store(related_name: str) -> fields.ForeignKeyField:
    return fields.ForeignKeyField(
        "stores.Store",
        source_field="store_id",
        null=True,
        db_constraint=True,
        to_field="id",
        related_name=related_name,
        on_delete=OnDelete.SET_NULL,
    )


async def surveys_to_stores(apps, schema_editor) -> None:
    await stores_from_text(schema_editor, "survey_invitations", "legacy_store")
    await stores_from_text(schema_editor, "survey_responses", "legacy_store")


class Migration(migrations.Migration):
    dependencies = [("service", "0003_survey_delivery"), ("stores", "0001_initial")]

    initial = False

    operations = [
        ops.RenameField(model_name="SurveyInvitation", old_name="store", new_name="legacy_store"),
        ops.RenameField(model_name="SurveyResponse", old_name="store", new_name="legacy_store"),
        ops.AddField(model_name="SurveyInvitation", name="store", field=_store("survey_invitations")),
        ops.AddField(model_name="SurveyResponse", name="store", field=_store("survey_responses")),
        ops.AddField(model_name="Ticket", name="store", field=_store("tickets")),
        ops.RunPython(surveys_to_stores),
        DropColumn(model_name="SurveyInvitation", name="legacy_store"),
        DropColumn(model_name="SurveyResponse", name="legacy_store"),
    ]
