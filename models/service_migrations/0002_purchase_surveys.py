# ruff: noqa
# mypy: ignore-errors
from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.migrations.constraints import UniqueConstraint

class Migration(migrations.Migration):
    dependencies = [('crm', '0001_initial'), ('crm', '0002_auto_20261122_2137'), ('service', '0001_initial')]

    initial = False

    operations = [
        ops.AddField(
            model_name='ServiceSettings',
            name='purchase_survey_id',
            field=fields.BigIntField(null=True),
        ),
        ops.AddField(
            model_name='SurveyInvitation',
            name='purchase_id',
            field=fields.BigIntField(null=True),
        ),
        ops.AddConstraint(
            model_name='SurveyInvitation',
            constraint=UniqueConstraint(fields=('survey', 'purchase_id'), name=None),
        ),
    ]
