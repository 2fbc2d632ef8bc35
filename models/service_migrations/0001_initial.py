# ruff: noqa
# mypy: ignore-errors
from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('crm', '0001_initial')]

    initial = True

    operations = [
        ops.CreateModel(
            name='ServiceSettings',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.OneToOneField('crm.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='service_settings', on_delete=OnDelete.CASCADE)),
                ('categories', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('root_causes', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('reopen_days', fields.IntField(default=7)),
                ('detractor_follow_up', fields.BooleanField(default=True)),
                ('follow_up_category', fields.CharField(default='NPS_FOLLOW_UP', max_length=64)),
                ('follow_up_survey_id', fields.BigIntField(null=True)),
                ('resolution_survey_id', fields.BigIntField(null=True)),
                ('business_hours', fields.JSONField(null=True, encoder=JSON_DUMPS, decoder=loads)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'service_settings', 'app': 'service', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SlaPolicy',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('crm.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='sla_policies', on_delete=OnDelete.CASCADE)),
                ('severity', fields.CharField(max_length=16)),
                ('first_response_minutes', fields.IntField()),
                ('resolution_minutes', fields.IntField()),
                ('business_hours', fields.BooleanField(default=False)),
            ],
            options={'table': 'sla_policies', 'app': 'service', 'unique_together': (('brand', 'severity'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Survey',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('crm.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='surveys', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=200)),
                ('kind', fields.CharField(max_length=16)),
                ('status', fields.CharField(default='DRAFT', max_length=16)),
                ('questions', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('reward_points', fields.IntField(default=0)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'surveys', 'app': 'service', 'indexes': [Index(fields=['brand_id', 'created_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SurveyInvitation',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('crm.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='survey_invitations', on_delete=OnDelete.CASCADE)),
                ('survey', fields.ForeignKeyField('service.Survey', source_field='survey_id', db_constraint=True, to_field='id', related_name='invitations', on_delete=OnDelete.CASCADE)),
                ('customer', fields.ForeignKeyField('crm.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='survey_invitations', on_delete=OnDelete.CASCADE)),
                ('token', fields.CharField(unique=True, max_length=64)),
                ('channel', fields.CharField(default='OTHER', max_length=16)),
                ('store', fields.CharField(null=True, max_length=100)),
                ('trigger', fields.CharField(default='MANUAL', max_length=32)),
                ('ticket_id', fields.BigIntField(null=True)),
                ('sent_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('responded_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'survey_invitations', 'app': 'service', 'indexes': [Index(fields=['brand_id', 'survey_id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SurveyResponse',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('crm.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='survey_responses', on_delete=OnDelete.CASCADE)),
                ('survey', fields.ForeignKeyField('service.Survey', source_field='survey_id', db_constraint=True, to_field='id', related_name='responses', on_delete=OnDelete.CASCADE)),
                ('invitation', fields.OneToOneField('service.SurveyInvitation', source_field='invitation_id', db_constraint=True, to_field='id', related_name='response', on_delete=OnDelete.CASCADE)),
                ('customer', fields.ForeignKeyField('crm.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='survey_responses', on_delete=OnDelete.CASCADE)),
                ('answers', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('nps_score', fields.IntField(null=True)),
                ('channel', fields.CharField(default='OTHER', max_length=16)),
                ('store', fields.CharField(null=True, max_length=100)),
                ('follow_up_ticket_id', fields.BigIntField(null=True)),
                ('submitted_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'survey_responses', 'app': 'service', 'indexes': [Index(fields=['brand_id', 'survey_id', 'submitted_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Ticket',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('crm.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='tickets', on_delete=OnDelete.CASCADE)),
                ('customer', fields.ForeignKeyField('crm.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='tickets', on_delete=OnDelete.CASCADE)),
                ('assignee', fields.ForeignKeyField('crm.StaffUser', source_field='assignee_id', null=True, db_constraint=True, to_field='id', related_name='tickets', on_delete=OnDelete.SET_NULL)),
                ('channel', fields.CharField(max_length=16)),
                ('category', fields.CharField(max_length=64)),
                ('severity', fields.CharField(max_length=16)),
                ('subject', fields.CharField(max_length=200)),
                ('description', fields.TextField(unique=False)),
                ('status', fields.CharField(default='NEW', max_length=24)),
                ('opened_by', fields.CharField(max_length=128)),
                ('resolution', fields.TextField(null=True, unique=False)),
                ('root_cause', fields.CharField(null=True, max_length=64)),
                ('source_response_id', fields.BigIntField(null=True)),
                ('first_response_due', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('resolution_due', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('sla_business_hours', fields.BooleanField(default=False)),
                ('resolution_remaining_seconds', fields.BigIntField(null=True)),
                ('paused_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('first_responded_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('resolved_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('closed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('first_response_breached', fields.BooleanField(default=False)),
                ('resolution_breached', fields.BooleanField(default=False)),
                ('csat_score', fields.IntField(null=True)),
                ('csat_comment', fields.TextField(null=True, unique=False)),
                ('rated_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'tickets', 'app': 'service', 'indexes': [Index(fields=['brand_id', 'created_at']), Index(fields=['brand_id', 'status']), Index(fields=['brand_id', 'customer_id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='TicketMessage',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('crm.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='ticket_messages', on_delete=OnDelete.CASCADE)),
                ('ticket', fields.ForeignKeyField('service.Ticket', source_field='ticket_id', db_constraint=True, to_field='id', related_name='messages', on_delete=OnDelete.CASCADE)),
                ('internal', fields.BooleanField(default=False)),
                ('body', fields.TextField(unique=False)),
                ('author', fields.CharField(max_length=200)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'ticket_messages', 'app': 'service', 'indexes': [Index(fields=['ticket_id', 'created_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
