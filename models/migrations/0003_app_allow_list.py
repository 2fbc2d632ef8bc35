from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('crm', '0002_auto_20261122_2137')]

    initial = False

    operations = [
        ops.CreateModel(
            name='PersistedQuery',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('crm.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='persisted_queries', on_delete=OnDelete.CASCADE)),
                ('app', fields.ForeignKeyField('crm.App', source_field='app_id', null=True, db_constraint=True, to_field='id', related_name='persisted_queries', on_delete=OnDelete.CASCADE)),
                ('sha256', fields.CharField(max_length=64)),
                ('query', fields.TextField(unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'persisted_queries', 'app': 'crm', 'unique_together': (('brand', 'app', 'sha256'),), 'indexes': [Index(fields=['brand_id', 'sha256'])], 'pk_attr': 'id', 'table_description': 'A query text registered by an admin under its SHA-256, for one app or (app null) a brand.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='App',
            name='persisted_queries_only',
            field=fields.BooleanField(default=False, db_default=False),
        ),
    ]
