"""Revoked token ids keyed by (brand, jti): one brand can no longer revoke, or block in advance,
another brand's token id. Existing revocations are copied over."""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("crm", "0003_app_allow_list")]

    initial = False

    operations = [
        ops.CreateModel(
            name="TokenRevocation",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "brand",
                    fields.ForeignKeyField(
                        "crm.Brand",
                        source_field="brand_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="token_revocations",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("jti", fields.CharField(max_length=64)),
                ("expires_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("revoked_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "token_revocations",
                "app": "crm",
                "unique_together": (("brand", "jti"),),
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.RunSQL(
            "INSERT INTO token_revocations (brand_id, jti, expires_at, revoked_at)"
            " SELECT brand_id, jti, expires_at, revoked_at FROM revoked_tokens"
        ),
        ops.DeleteModel(name="RevokedToken"),
    ]
