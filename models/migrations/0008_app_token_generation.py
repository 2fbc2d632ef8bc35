"""An app's token generation: each disable raises it, and tokens issued before stay refused
after the app is enabled again (docs/auth.md)."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('crm', '0007_purchase_items_index')]

    initial = False

    operations = [
        ops.AddField(
            model_name='App',
            name='token_generation',
            field=fields.IntField(default=0, db_default=0),
        ),
    ]
