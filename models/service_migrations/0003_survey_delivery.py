# ruff: noqa
# mypy: ignore-errors
"""Survey delivery (issue 22): invitations carry their consented channel, first opening and
reminder; service settings carry the answer link template and the reminder delay."""
from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('crm', '0001_initial'), ('crm', '0002_auto_20261122_2137'), ('crm', '0003_app_allow_list'), ('crm', '0004_token_revocations_per_brand'), ('service', '0002_purchase_surveys')]

    initial = False

    operations = [
        ops.AddField(
            model_name='ServiceSettings',
            name='survey_link_template',
            field=fields.CharField(null=True, max_length=500),
        ),
        ops.AddField(
            model_name='ServiceSettings',
            name='survey_reminder_hours',
            field=fields.IntField(null=True),
        ),
        ops.AddField(
            model_name='SurveyInvitation',
            name='delivery_channel',
            field=fields.CharField(null=True, max_length=16),
        ),
        ops.AddField(
            model_name='SurveyInvitation',
            name='opened_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='SurveyInvitation',
            name='reminded_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddIndex(
            model_name='SurveyInvitation',
            index=Index(fields=['brand_id', 'customer_id']),
        ),
    ]
