from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='Brand',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('slug', fields.CharField(unique=True, max_length=64)),
                ('name', fields.CharField(max_length=200)),
                ('display_name', fields.CharField(max_length=200)),
                ('logo_url', fields.CharField(null=True, max_length=1000)),
                ('primary_color', fields.CharField(null=True, max_length=16)),
                ('secondary_color', fields.CharField(null=True, max_length=16)),
                ('currency', fields.CharField(default='CNY', max_length=3)),
                ('timezone', fields.CharField(default='Asia/Shanghai', max_length=64)),
                ('locale', fields.CharField(default='zh-CN', max_length=16)),
                ('phone_region', fields.CharField(default='CN', max_length=2)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'brands', 'app': 'crm', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='App',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('crm.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='apps', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=200)),
                ('client_id', fields.CharField(unique=True, max_length=64)),
                ('secret_hash', fields.CharField(max_length=200)),
                ('scopes', fields.TextField(unique=False)),
                ('is_active', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'apps', 'app': 'crm', 'pk_attr': 'id', 'table_description': 'A partner system holding client credentials (OAuth2 client-credentials grant).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AuditEntry',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('crm.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='audit_entries', on_delete=OnDelete.CASCADE)),
                ('principal_kind', fields.CharField(max_length=16)),
                ('principal_id', fields.CharField(max_length=128)),
                ('operation', fields.CharField(max_length=64)),
                ('target_type', fields.CharField(max_length=64)),
                ('target_id', fields.CharField(null=True, max_length=64)),
                ('request_id', fields.CharField(max_length=64)),
                ('details', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'audit_entries', 'app': 'crm', 'indexes': [Index(fields=['brand_id', 'created_at']), Index(fields=['brand_id', 'target_type', 'target_id'])], 'pk_attr': 'id', 'table_description': "Who did what: one row per mutation, written in the mutation's own transaction."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Customer',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('crm.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='customers', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=200)),
                ('phone', fields.CharField(null=True, max_length=20)),
                ('email', fields.CharField(null=True, max_length=254)),
                ('gender', fields.CharField(default='UNKNOWN', max_length=16)),
                ('birthday', fields.DateField(null=True)),
                ('city', fields.CharField(null=True, max_length=100)),
                ('region', fields.CharField(null=True, max_length=100)),
                ('address', fields.CharField(null=True, max_length=500)),
                ('acquisition_channel', fields.CharField(null=True, max_length=64)),
                ('marketing_consent', fields.BooleanField(default=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'customers', 'app': 'crm', 'unique_together': (('brand', 'phone'), ('brand', 'email')), 'indexes': [Index(fields=['brand_id', 'created_at']), Index(fields=['brand_id', 'name']), Index(fields=['brand_id', 'updated_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CustomerExternalId',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('crm.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='customer_external_ids', on_delete=OnDelete.CASCADE)),
                ('customer', fields.ForeignKeyField('crm.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='external_ids', on_delete=OnDelete.CASCADE)),
                ('system', fields.CharField(max_length=64)),
                ('external_id', fields.CharField(max_length=200)),
            ],
            options={'table': 'customer_external_ids', 'app': 'crm', 'unique_together': (('brand', 'system', 'external_id'), ('customer', 'system')), 'pk_attr': 'id', 'table_description': 'The id a partner system (POS, shop, delivery platform) uses for this customer.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CustomerNote',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('crm.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='customer_notes', on_delete=OnDelete.CASCADE)),
                ('customer', fields.ForeignKeyField('crm.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='notes', on_delete=OnDelete.CASCADE)),
                ('body', fields.TextField(unique=False)),
                ('author', fields.CharField(max_length=200)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'customer_notes', 'app': 'crm', 'indexes': [Index(fields=['customer_id', 'created_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CustomerTag',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('crm.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='customer_tags', on_delete=OnDelete.CASCADE)),
                ('customer', fields.ForeignKeyField('crm.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='tags', on_delete=OnDelete.CASCADE)),
                ('tag', fields.CharField(max_length=64)),
            ],
            options={'table': 'customer_tags', 'app': 'crm', 'unique_together': (('customer', 'tag'),), 'indexes': [Index(fields=['brand_id', 'tag'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RevokedToken',
            fields=[
                ('jti', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('brand', fields.ForeignKeyField('crm.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='revoked_tokens', on_delete=OnDelete.CASCADE)),
                ('expires_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'revoked_tokens', 'app': 'crm', 'pk_attr': 'jti'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='StaffUser',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('crm.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='staff', on_delete=OnDelete.CASCADE)),
                ('email', fields.CharField(max_length=254)),
                ('name', fields.CharField(default='', max_length=200)),
                ('password_hash', fields.CharField(max_length=200)),
                ('role', fields.CharField(max_length=32)),
                ('is_active', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'staff_users', 'app': 'crm', 'unique_together': (('brand', 'email'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
