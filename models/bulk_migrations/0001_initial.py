# ruff: noqa
# mypy: ignore-errors
from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('crm', '0001_initial'), ('crm', '0002_auto_20261122_2137'), ('crm', '0003_app_allow_list'), ('crm', '0004_token_revocations_per_brand')]

    initial = True

    operations = [
        ops.CreateModel(
            name='BulkCall',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('crm.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='bulk_calls', on_delete=OnDelete.CASCADE)),
                ('operation', fields.CharField(max_length=64)),
                ('idempotency_key', fields.CharField(max_length=200)),
                ('fingerprint', fields.CharField(max_length=64)),
                ('results', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('actor', fields.CharField(max_length=200)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'bulk_calls', 'app': 'bulk', 'unique_together': (('brand', 'operation', 'idempotency_key'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
