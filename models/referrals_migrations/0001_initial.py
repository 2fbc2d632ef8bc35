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
            name='Referral',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('crm.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='referrals', on_delete=OnDelete.CASCADE)),
                ('referrer', fields.ForeignKeyField('crm.Customer', source_field='referrer_id', db_constraint=True, to_field='id', related_name='referrals_made', on_delete=OnDelete.CASCADE)),
                ('referee', fields.ForeignKeyField('crm.Customer', source_field='referee_id', null=True, db_constraint=True, to_field='id', related_name='referred_by', on_delete=OnDelete.SET_NULL)),
                ('phone_hash', fields.CharField(null=True, max_length=64)),
                ('email_hash', fields.CharField(null=True, max_length=64)),
                ('status', fields.CharField(default='SIGNED_UP', max_length=16)),
                ('converted_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('purchase_id', fields.BigIntField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'referrals', 'app': 'referrals', 'unique_together': (('brand', 'referee'), ('brand', 'phone_hash'), ('brand', 'email_hash')), 'indexes': [Index(fields=['brand_id', 'referrer_id', 'created_at']), Index(fields=['brand_id', 'created_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ReferralCode',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('crm.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='referral_codes', on_delete=OnDelete.CASCADE)),
                ('customer', fields.OneToOneField('crm.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='referral_code', on_delete=OnDelete.CASCADE)),
                ('code', fields.CharField(max_length=16)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'referral_codes', 'app': 'referrals', 'unique_together': (('brand', 'code'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ReferralInvite',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('crm.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='referral_invites', on_delete=OnDelete.CASCADE)),
                ('referrer', fields.ForeignKeyField('crm.Customer', source_field='referrer_id', db_constraint=True, to_field='id', related_name='referral_invites', on_delete=OnDelete.CASCADE)),
                ('channel', fields.CharField(default='OTHER', max_length=32)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'referral_invites', 'app': 'referrals', 'indexes': [Index(fields=['brand_id', 'created_at'])], 'pk_attr': 'id', 'table_description': "A member told us they shared their code (the report's invites)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ReferralReward',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('crm.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='referral_rewards', on_delete=OnDelete.CASCADE)),
                ('referral', fields.ForeignKeyField('referrals.Referral', source_field='referral_id', db_constraint=True, to_field='id', related_name='rewards', on_delete=OnDelete.CASCADE)),
                ('side', fields.CharField(max_length=16)),
                ('customer_id', fields.BigIntField()),
                ('points', fields.IntField(default=0)),
                ('points_transaction_id', fields.BigIntField(null=True)),
                ('offer_id', fields.BigIntField(null=True)),
                ('coupons', fields.IntField(default=0)),
                ('month', fields.IntField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'referral_rewards', 'app': 'referrals', 'unique_together': (('referral', 'side'),), 'indexes': [Index(fields=['brand_id', 'customer_id', 'month']), Index(fields=['brand_id', 'created_at'])], 'pk_attr': 'id', 'table_description': 'A reward paid to one side of a referral, at most one per referral and side.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ReferralSettings',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.OneToOneField('crm.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='referral_settings', on_delete=OnDelete.CASCADE)),
                ('enabled', fields.BooleanField(default=True)),
                ('trigger', fields.CharField(default='FIRST_PURCHASE', max_length=16)),
                ('min_purchase', fields.DecimalField(default=0, max_digits=14, decimal_places=2)),
                ('referrer_points', fields.IntField(default=0)),
                ('referee_points', fields.IntField(default=0)),
                ('referrer_offer_id', fields.BigIntField(null=True)),
                ('referee_offer_id', fields.BigIntField(null=True)),
                ('monthly_cap', fields.IntField(default=10)),
                ('attribution_days', fields.IntField(default=30)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'referral_settings', 'app': 'referrals', 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
