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
    dependencies = [('crm', '0003_app_allow_list'), ('segments', '0001_initial')]

    initial = True

    operations = [
        ops.CreateModel(
            name='Offer',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('crm.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='offers', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharField(max_length=24)),
                ('title', fields.CharField(max_length=200)),
                ('description', fields.TextField(default='', unique=False)),
                ('image_url', fields.CharField(null=True, max_length=500)),
                ('starts_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('ends_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('coupon_days', fields.IntField(null=True)),
                ('amount', fields.DecimalField(null=True, max_digits=14, decimal_places=2)),
                ('percent', fields.DecimalField(null=True, max_digits=5, decimal_places=2)),
                ('item_sku', fields.CharField(null=True, max_length=64)),
                ('item_value', fields.DecimalField(null=True, max_digits=14, decimal_places=2)),
                ('multiplier', fields.DecimalField(null=True, max_digits=6, decimal_places=2)),
                ('automatic', fields.BooleanField(default=False)),
                ('tiers', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('segment', fields.ForeignKeyField('segments.Segment', source_field='segment_id', null=True, db_constraint=True, to_field='id', related_name='offers', on_delete=OnDelete.SET_NULL)),
                ('lifecycle_stages', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('birthday_month', fields.BooleanField(default=False)),
                ('new_members_only', fields.BooleanField(default=False)),
                ('min_purchase', fields.DecimalField(null=True, max_digits=14, decimal_places=2)),
                ('stores', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('channels', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('stock', fields.IntField(null=True)),
                ('issued_count', fields.IntField(default=0)),
                ('budget', fields.DecimalField(null=True, max_digits=14, decimal_places=2)),
                ('spent', fields.DecimalField(default=0, max_digits=14, decimal_places=2)),
                ('per_customer_limit', fields.IntField(default=1)),
                ('points_cost', fields.IntField(null=True)),
                ('trigger', fields.CharField(null=True, max_length=16)),
                ('trigger_tier', fields.CharField(null=True, max_length=64)),
                ('active', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'offers', 'app': 'offers', 'indexes': [Index(fields=['brand_id', 'created_at']), Index(fields=['brand_id', 'trigger'])], 'pk_attr': 'id', 'table_description': 'What a coupon gives, to whom, and the counters its row lock protects (stock, budget).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OfferIssue',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('crm.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='offer_issues', on_delete=OnDelete.CASCADE)),
                ('offer', fields.ForeignKeyField('offers.Offer', source_field='offer_id', db_constraint=True, to_field='id', related_name='issues', on_delete=OnDelete.CASCADE)),
                ('idempotency_key', fields.CharField(max_length=200)),
                ('fingerprint', fields.CharField(max_length=64)),
                ('issued_count', fields.IntField(default=0)),
                ('actor', fields.CharField(max_length=200)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'offer_issues', 'app': 'offers', 'unique_together': (('brand', 'idempotency_key'),), 'pk_attr': 'id', 'table_description': 'One bulk issuance, remembered by its idempotency key so a retry issues nothing twice.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Coupon',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('crm.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='coupons', on_delete=OnDelete.CASCADE)),
                ('offer', fields.ForeignKeyField('offers.Offer', source_field='offer_id', db_constraint=True, to_field='id', related_name='coupons', on_delete=OnDelete.CASCADE)),
                ('customer', fields.ForeignKeyField('crm.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='coupons', on_delete=OnDelete.CASCADE)),
                ('code', fields.CharField(max_length=32)),
                ('status', fields.CharField(default='ISSUED', max_length=16)),
                ('issued_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('redeemed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('purchase', fields.ForeignKeyField('crm.Purchase', source_field='purchase_id', null=True, db_constraint=True, to_field='id', related_name='coupons', on_delete=OnDelete.SET_NULL)),
                ('discount', fields.DecimalField(null=True, max_digits=14, decimal_places=2)),
                ('issue', fields.ForeignKeyField('offers.OfferIssue', source_field='issue_id', null=True, db_constraint=True, to_field='id', related_name='coupons', on_delete=OnDelete.SET_NULL)),
                ('period', fields.CharField(null=True, max_length=64)),
                ('source', fields.CharField(default='ISSUE', max_length=16)),
            ],
            options={'table': 'coupons', 'app': 'offers', 'unique_together': (('brand', 'code'), ('offer', 'customer', 'period')), 'indexes': [Index(fields=['brand_id', 'customer_id', 'status']), Index(fields=['brand_id', 'purchase_id'])], 'pk_attr': 'id', 'table_description': "One customer's right to an offer: ISSUED, then REDEEMED once, or EXPIRED, or VOID."},
            bases=['Model'],
        ),
    ]
