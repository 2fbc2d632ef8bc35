"""Issue 22: phone and email may hold sealed values (wider columns) with keyed lookup hashes,
unique per brand, and a customer erased on request stays as an anonymised row (erased_at)
(docs/privacy.md); the brand's rule for coupons redeemed on a refunded purchase
(docs/offers.md)."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from models.sealed import SealedCharField
from tortoise import fields
from tortoise.migrations.constraints import UniqueConstraint

class WidenOnPostgres(ops.AlterField):
    """A wider VARCHAR: SQLite does not enforce the length, and its table rebuild for a changed
    column would drop the table's unique constraints and indexes, so only PostgreSQL runs it."""

    async def database_forward(self, app_label, old_state, new_state, state_editor=None):
        if state_editor is None or state_editor.client.capabilities.dialect != "postgres":
            return
        await super().database_forward(app_label, old_state, new_state, state_editor)

    async def database_backward(self, app_label, old_state, new_state, state_editor=None):
        if state_editor is None or state_editor.client.capabilities.dialect != "postgres":
            return
        await super().database_backward(app_label, old_state, new_state, state_editor)


class Migration(migrations.Migration):
    dependencies = [("crm", "0004_token_revocations_per_brand")]

    initial = False

    operations = [
        WidenOnPostgres(
            model_name='Customer',
            name='email',
            field=SealedCharField(null=True, max_length=512),
        ),
        WidenOnPostgres(
            model_name='Customer',
            name='phone',
            field=SealedCharField(null=True, max_length=200),
        ),
        ops.AddField(
            model_name='Customer',
            name='email_hash',
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AddField(
            model_name='Customer',
            name='erased_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Customer',
            name='phone_hash',
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AddConstraint(
            model_name='Customer',
            constraint=UniqueConstraint(fields=('brand', 'phone_hash'), name=None),
        ),
        ops.AddConstraint(
            model_name='Customer',
            constraint=UniqueConstraint(fields=('brand', 'email_hash'), name=None),
        ),
        ops.AddField(
            model_name='LoyaltySettings',
            name='coupon_refund_rule',
            field=fields.CharField(default='FULL', max_length=8),
        ),
    ]
