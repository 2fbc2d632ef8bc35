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
    dependencies = [('crm', '0001_initial'), ('crm', '0002_auto_20261122_2137'), ('crm', '0003_app_allow_list'), ('crm', '0004_token_revocations_per_brand')]

    initial = True

    operations = [
        ops.CreateModel(
            name='CustomerAttribute',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('crm.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='customer_attributes', on_delete=OnDelete.CASCADE)),
                ('key', fields.CharField(max_length=64)),
                ('label', fields.CharField(max_length=200)),
                ('type', fields.CharField(max_length=16)),
                ('options', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('is_pii', fields.BooleanField(default=False)),
                ('is_required', fields.BooleanField(default=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'customer_attributes', 'app': 'attributes', 'unique_together': (('brand', 'key'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CustomerAttributeValue',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('crm.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='customer_attribute_values', on_delete=OnDelete.CASCADE)),
                ('customer', fields.ForeignKeyField('crm.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='attribute_values', on_delete=OnDelete.CASCADE)),
                ('attribute', fields.ForeignKeyField('attributes.CustomerAttribute', source_field='attribute_id', db_constraint=True, to_field='id', related_name='values', on_delete=OnDelete.CASCADE)),
                ('value_text', fields.CharField(null=True, max_length=500)),
                ('value_number', fields.FloatField(null=True)),
                ('value_bool', fields.BooleanField(null=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'customer_attribute_values', 'app': 'attributes', 'unique_together': (('customer', 'attribute'),), 'indexes': [Index(fields=['attribute_id', 'value_text', 'customer_id']), Index(fields=['attribute_id', 'value_number', 'customer_id']), Index(fields=['attribute_id', 'value_bool', 'customer_id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
