# ruff: noqa
# mypy: ignore-errors
from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('crm', '0001_initial'), ('crm', '0002_auto_20261122_2137'), ('crm', '0003_app_allow_list'), ('offers', '0001_initial'), ('segments', '0001_initial')]

    initial = True

    operations = [
        ops.CreateModel(
            name='Campaign',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('crm.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='campaigns', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=200)),
                ('description', fields.TextField(default='', unique=False)),
                ('segment', fields.ForeignKeyField('segments.Segment', source_field='segment_id', null=True, db_constraint=True, to_field='id', related_name='campaigns', on_delete=OnDelete.SET_NULL)),
                ('starts_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('ends_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('holdout_percent', fields.DecimalField(max_digits=5, decimal_places=2)),
                ('seed', fields.CharField(max_length=32)),
                ('status', fields.CharField(default='DRAFT', max_length=16)),
                ('created_by', fields.CharField(max_length=200)),
                ('launched_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'campaigns', 'app': 'campaigns', 'unique_together': (('brand', 'name'),), 'indexes': [Index(fields=['brand_id', 'created_at'])], 'pk_attr': 'id', 'table_description': 'DRAFT until launched: the launch snapshots the segment into `campaign_members` once.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CampaignMember',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('crm.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='campaign_members', on_delete=OnDelete.CASCADE)),
                ('campaign', fields.ForeignKeyField('campaigns.Campaign', source_field='campaign_id', db_constraint=True, to_field='id', related_name='members', on_delete=OnDelete.CASCADE)),
                ('customer', fields.ForeignKeyField('crm.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='campaign_memberships', on_delete=OnDelete.CASCADE)),
                ('arm', fields.CharField(max_length=8)),
            ],
            options={'table': 'campaign_members', 'app': 'campaigns', 'unique_together': (('campaign', 'customer'),), 'indexes': [Index(fields=['campaign_id', 'arm', 'customer_id']), Index(fields=['customer_id'])], 'pk_attr': 'id', 'table_description': 'A targeted customer, in the TREATED or the HOLDOUT arm (fixed at launch).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CampaignOffer',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('crm.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='campaign_offers', on_delete=OnDelete.CASCADE)),
                ('campaign', fields.ForeignKeyField('campaigns.Campaign', source_field='campaign_id', db_constraint=True, to_field='id', related_name='offers', on_delete=OnDelete.CASCADE)),
                ('offer', fields.ForeignKeyField('offers.Offer', source_field='offer_id', db_constraint=True, to_field='id', related_name='campaign_offers', on_delete=OnDelete.CASCADE)),
                ('issue', fields.ForeignKeyField('offers.OfferIssue', source_field='issue_id', null=True, db_constraint=True, to_field='id', related_name='campaign_offers', on_delete=OnDelete.SET_NULL)),
                ('issued', fields.IntField(default=0)),
            ],
            options={'table': 'campaign_offers', 'app': 'campaigns', 'unique_together': (('campaign', 'offer'),), 'pk_attr': 'id', 'table_description': 'An offer of a campaign and, once launched, the bulk issuance that gave its coupons.'},
            bases=['Model'],
        ),
    ]
