"""Indexes the analytics reports read by (docs/analytics.md): purchases and points by brand
and time, daily spend by brand and day, a purchase's items by purchase."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('crm', '0004_token_revocations_per_brand')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='DailySpend',
            index=Index(fields=['brand_id', 'day']),
        ),
        ops.AddIndex(
            model_name='PointsTransaction',
            index=Index(fields=['brand_id', 'created_at']),
        ),
        ops.AddIndex(
            model_name='Purchase',
            index=Index(fields=['brand_id', 'occurred_at']),
        ),
        ops.AddIndex(
            model_name='PurchaseItem',
            index=Index(fields=['purchase_id']),
        ),
    ]
