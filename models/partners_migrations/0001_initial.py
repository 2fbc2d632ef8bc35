# ruff: noqa
# mypy: ignore-errors
from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('crm', '0004_token_revocations_per_brand')]

    initial = True

    operations = [
        ops.CreateModel(
            name='AppPreviousSecret',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('crm.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='app_previous_secrets', on_delete=OnDelete.CASCADE)),
                ('app', fields.ForeignKeyField('crm.App', source_field='app_id', db_constraint=True, to_field='id', related_name='previous_secrets', on_delete=OnDelete.CASCADE)),
                ('secret_hash', fields.CharField(max_length=200)),
                ('rotated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'app_previous_secrets', 'app': 'partners', 'indexes': [Index(fields=['app_id', 'expires_at'])], 'pk_attr': 'id', 'table_description': 'A client secret the app rotated away from: still accepted until `expires_at`.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AppUsageDay',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('crm.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='app_usage_days', on_delete=OnDelete.CASCADE)),
                ('app', fields.ForeignKeyField('crm.App', source_field='app_id', db_constraint=True, to_field='id', related_name='usage_days', on_delete=OnDelete.CASCADE)),
                ('day', fields.DateField()),
                ('requests', fields.BigIntField(default=0)),
                ('errors', fields.BigIntField(default=0)),
                ('rate_limited', fields.BigIntField(default=0)),
            ],
            options={'table': 'app_usage_days', 'app': 'partners', 'unique_together': (('app', 'day'),), 'indexes': [Index(fields=['brand_id', 'day'])], 'pk_attr': 'id', 'table_description': "An app's GraphQL operations on one day of its brand's calendar."},
            bases=['Model'],
        ),
    ]
