# ruff: noqa
# mypy: ignore-errors
from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('crm', '0001_initial'), ('crm', '0002_auto_20261122_2137'), ('crm', '0003_app_allow_list'), ('crm', '0004_token_revocations_per_brand')]

    initial = True

    operations = [
        ops.CreateModel(
            name='CustomerConsent',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('crm.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='customer_consents', on_delete=OnDelete.CASCADE)),
                ('customer', fields.ForeignKeyField('crm.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='consents', on_delete=OnDelete.CASCADE)),
                ('channel', fields.CharField(max_length=16)),
                ('granted', fields.BooleanField()),
                ('source', fields.CharField(max_length=64)),
                ('given_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('recorded_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('recorded_by', fields.CharField(max_length=200)),
            ],
            options={'table': 'customer_consents', 'app': 'privacy', 'unique_together': (('customer', 'channel'),), 'indexes': [Index(fields=['brand_id', 'channel', 'granted'])], 'pk_attr': 'id', 'table_description': 'Marketing consent on one channel: given or withdrawn, when, and how.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PrivacySettings',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.OneToOneField('crm.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='privacy_settings', on_delete=OnDelete.CASCADE)),
                ('encrypt_contacts', fields.BooleanField(default=False)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'privacy_settings', 'app': 'privacy', 'pk_attr': 'id', 'table_description': "A brand's opt-in to phone and email encrypted at rest (docs/privacy.md)."},
            bases=['Model'],
        ),
    ]
