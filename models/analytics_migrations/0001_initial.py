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
            name='ActiveDay',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('crm.Brand', source_field='brand_id', db_constraint=False, to_field='id', related_name='active_days', on_delete=OnDelete.CASCADE)),
                ('day', fields.IntField()),
                ('prev_day', fields.IntField(null=True)),
                ('customers', fields.IntField()),
            ],
            options={'table': 'analytics_active_days', 'app': 'analytics', 'indexes': [Index(fields=['brand_id', 'day'])], 'pk_attr': 'id', 'table_description': 'How many customers bought on `day` whose previous buying day was `prev_day`: the'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AnalyticsRun',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('crm.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='analytics_runs', on_delete=OnDelete.CASCADE)),
                ('finished_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('seconds', fields.FloatField()),
                ('churn', fields.JSONField(encoder=JSON_DUMPS, decoder=loads)),
                ('clusters', fields.JSONField(encoder=JSON_DUMPS, decoder=loads)),
                ('counts', fields.JSONField(encoder=JSON_DUMPS, decoder=loads)),
            ],
            options={'table': 'analytics_runs', 'app': 'analytics', 'indexes': [Index(fields=['brand_id', 'finished_at'])], 'pk_attr': 'id', 'table_description': 'One `crm analytics refresh` of a brand: what it fitted and how well (docs/analytics.md).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='BasketMonth',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('crm.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='basket_months', on_delete=OnDelete.CASCADE)),
                ('month', fields.IntField(description='year * 12 + month - 1')),
                ('baskets', fields.IntField()),
            ],
            options={'table': 'analytics_basket_months', 'app': 'analytics', 'indexes': [Index(fields=['brand_id', 'month'])], 'pk_attr': 'id', 'table_description': "How many baskets (purchases with items) a brand had in a month (brand's zone)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CohortDay',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('crm.Brand', source_field='brand_id', db_constraint=False, to_field='id', related_name='cohort_days', on_delete=OnDelete.CASCADE)),
                ('first_day', fields.IntField()),
                ('day', fields.IntField()),
                ('month_starts', fields.IntField()),
                ('week_starts', fields.IntField()),
            ],
            options={'table': 'analytics_cohort_days', 'app': 'analytics', 'indexes': [Index(fields=['brand_id', 'first_day'])], 'pk_attr': 'id', 'table_description': 'Of the customers whose first purchase was on `first_day`, how many bought on `day` for'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CustomEventName',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('crm.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='custom_event_names', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=64)),
                ('description', fields.CharField(default='', max_length=500)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'tracking_event_names', 'app': 'analytics', 'unique_together': (('brand', 'name'),), 'pk_attr': 'id', 'table_description': 'A brand-defined event name, accepted besides the standard vocabulary.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CustomerCluster',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('crm.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='customer_clusters', on_delete=OnDelete.CASCADE)),
                ('number', fields.IntField(description='1 = the highest-spending cluster')),
                ('label', fields.CharField(max_length=200)),
                ('size', fields.IntField()),
                ('centroid', fields.JSONField(encoder=JSON_DUMPS, decoder=loads)),
            ],
            options={'table': 'analytics_clusters', 'app': 'analytics', 'unique_together': (('brand', 'number'),), 'pk_attr': 'id', 'table_description': "One k-means cluster of a brand's buyers: its size and centroid (original units)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CustomerDay',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('crm.Brand', source_field='brand_id', db_constraint=False, to_field='id', related_name='customer_days', on_delete=OnDelete.CASCADE)),
                ('customer_id', fields.BigIntField()),
                ('day', fields.IntField()),
                ('first_day', fields.IntField()),
                ('prev_day', fields.IntField(null=True)),
                ('next_day', fields.IntField(null=True)),
                ('purchases', fields.IntField()),
                ('cents', fields.BigIntField()),
            ],
            options={'table': 'analytics_customer_days', 'app': 'analytics', 'indexes': [Index(fields=['brand_id', 'day'])], 'pk_attr': 'id', 'table_description': 'A day a customer bought (from `daily_spend` at the refresh), with the days around it.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CustomerScore',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('crm.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='customer_scores', on_delete=OnDelete.CASCADE)),
                ('customer', fields.OneToOneField('crm.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='analytics_score', on_delete=OnDelete.CASCADE)),
                ('recency_days', fields.IntField()),
                ('frequency', fields.IntField()),
                ('monetary_cents', fields.BigIntField()),
                ('tenure_days', fields.IntField()),
                ('events_30d', fields.IntField()),
                ('cart_adds_30d', fields.IntField()),
                ('churn_probability', fields.FloatField(null=True)),
                ('cluster', fields.IntField(null=True)),
                ('refreshed_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'analytics_customer_scores', 'app': 'analytics', 'indexes': [Index(fields=['brand_id', 'churn_probability']), Index(fields=['brand_id', 'cluster'])], 'pk_attr': 'id', 'table_description': "A customer's features, churn probability and cluster as of the last refresh."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='DayTotal',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('crm.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='day_totals', on_delete=OnDelete.CASCADE)),
                ('day', fields.IntField()),
                ('purchases', fields.IntField()),
                ('cents', fields.BigIntField()),
                ('new_customers', fields.IntField()),
                ('points_issued', fields.BigIntField()),
                ('points_redeemed', fields.BigIntField()),
            ],
            options={'table': 'analytics_day_totals', 'app': 'analytics', 'indexes': [Index(fields=['brand_id', 'day'])], 'pk_attr': 'id', 'table_description': 'Purchases, net revenue, customers registered and points issued and redeemed on a day'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ItemMonth',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('crm.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='item_months', on_delete=OnDelete.CASCADE)),
                ('month', fields.IntField()),
                ('product_id', fields.BigIntField()),
                ('baskets', fields.IntField()),
            ],
            options={'table': 'analytics_item_months', 'app': 'analytics', 'indexes': [Index(fields=['brand_id', 'month']), Index(fields=['brand_id', 'product_id'])], 'pk_attr': 'id', 'table_description': 'Baskets holding a product, per month.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ItemPairMonth',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('crm.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='item_pair_months', on_delete=OnDelete.CASCADE)),
                ('month', fields.IntField()),
                ('product_a', fields.BigIntField()),
                ('product_b', fields.BigIntField()),
                ('baskets', fields.IntField()),
            ],
            options={'table': 'analytics_item_pairs', 'app': 'analytics', 'indexes': [Index(fields=['brand_id', 'month']), Index(fields=['brand_id', 'product_a']), Index(fields=['brand_id', 'product_b'])], 'pk_attr': 'id', 'table_description': 'Baskets holding both products (product_a < product_b), per month.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Product',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('crm.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='products', on_delete=OnDelete.CASCADE)),
                ('sku', fields.CharField(max_length=64)),
                ('name', fields.CharField(max_length=200)),
                ('category', fields.CharField(null=True, max_length=64)),
            ],
            options={'table': 'analytics_products', 'app': 'analytics', 'unique_together': (('brand', 'sku'),), 'pk_attr': 'id', 'table_description': 'An item a brand sells, identified by its SKU, derived from purchase items on refresh.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SalesDay',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('crm.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='sales_days', on_delete=OnDelete.CASCADE)),
                ('dimension', fields.CharField(max_length=8)),
                ('key', fields.CharField(null=True, max_length=200)),
                ('day', fields.IntField()),
                ('purchases', fields.IntField()),
                ('revenue_cents', fields.BigIntField()),
            ],
            options={'table': 'analytics_sales_days', 'app': 'analytics', 'indexes': [Index(fields=['brand_id', 'dimension', 'day'])], 'pk_attr': 'id', 'table_description': "Purchases and revenue of a day (brand's zone) per store, channel, tier or category."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='TrackedEvent',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('crm.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='tracked_events', on_delete=OnDelete.CASCADE)),
                ('event_id', fields.CharField(max_length=64)),
                ('name', fields.CharField(max_length=64)),
                ('occurred_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('received_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('customer', fields.ForeignKeyField('crm.Customer', source_field='customer_id', null=True, db_constraint=True, to_field='id', related_name='tracked_events', on_delete=OnDelete.CASCADE)),
                ('anonymous_id', fields.CharField(null=True, max_length=64)),
                ('session_id', fields.CharField(null=True, max_length=64)),
                ('store_id', fields.BigIntField(null=True)),
                ('properties', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
            ],
            options={'table': 'tracked_events', 'app': 'analytics', 'unique_together': (('brand', 'event_id'),), 'indexes': [Index(fields=['brand_id', 'occurred_at']), Index(fields=['customer_id', 'occurred_at']), Index(fields=['brand_id', 'anonymous_id'])], 'pk_attr': 'id', 'table_description': 'One behaviour event from a frontend, idempotent by (brand, event_id).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='TrackingKey',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('crm.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='tracking_keys', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=200)),
                ('key', fields.CharField(unique=True, max_length=64)),
                ('active', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'tracking_keys', 'app': 'analytics', 'pk_attr': 'id', 'table_description': 'A public per-brand write key: it may only send anonymous events to the beacon.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='VisitorIdentity',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('crm.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='visitor_identities', on_delete=OnDelete.CASCADE)),
                ('anonymous_id', fields.CharField(max_length=64)),
                ('customer', fields.ForeignKeyField('crm.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='visitor_identities', on_delete=OnDelete.CASCADE)),
                ('linked_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'visitor_identities', 'app': 'analytics', 'unique_together': (('brand', 'anonymous_id'),), 'pk_attr': 'id', 'table_description': 'An anonymous visitor id known to be this customer (learned when they signed in).'},
            bases=['Model'],
        ),
    ]
