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
    dependencies = [('crm', '0004_token_revocations_per_brand')]

    initial = True

    operations = [
        ops.CreateModel(
            name='Job',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('crm.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='jobs', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharField(max_length=64)),
                ('state', fields.CharField(default='QUEUED', max_length=16)),
                ('parameters', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('awaiting_input', fields.BooleanField(default=False)),
                ('cancel_requested', fields.BooleanField(default=False)),
                ('total', fields.BigIntField(null=True)),
                ('processed', fields.BigIntField(default=0)),
                ('succeeded', fields.BigIntField(default=0)),
                ('failed', fields.BigIntField(default=0)),
                ('checkpoint', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('result', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('error', fields.TextField(null=True, unique=False)),
                ('input_file', fields.CharField(null=True, max_length=200)),
                ('output_file', fields.CharField(null=True, max_length=200)),
                ('error_file', fields.CharField(null=True, max_length=200)),
                ('input_bytes', fields.BigIntField(null=True)),
                ('actor_kind', fields.CharField(max_length=16)),
                ('actor_subject', fields.CharField(max_length=200)),
                ('request_id', fields.CharField(default='', max_length=64)),
                ('attempts', fields.IntField(default=0)),
                ('lease_owner', fields.CharField(null=True, max_length=100)),
                ('lease_expires_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('started_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'jobs', 'app': 'jobs', 'indexes': [Index(fields=['state', 'id']), Index(fields=['brand_id', 'kind', 'created_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
