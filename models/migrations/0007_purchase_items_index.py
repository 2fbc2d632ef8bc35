"""A purchase's items by purchase: recommendations read what one customer bought (purchases by
customer, then their items) for every customer page they are asked for."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('crm', '0006_store_refs')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='PurchaseItem',
            index=Index(fields=['purchase_id']),
        ),
    ]
