from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class Brand(Model):
    id = fields.BigIntField(primary_key=True)
    slug = fields.CharField(max_length=64, unique=True)
    name = fields.CharField(max_length=200)
    display_name = fields.CharField(max_length=200)
    logo_url = fields.CharField(max_length=1000, null=True)
    primary_color = fields.CharField(max_length=16, null=True)
    secondary_color = fields.CharField(max_length=16, null=True)
    currency = fields.CharField(max_length=3, default="CNY")
    timezone = fields.CharField(max_length=64, default="Asia/Shanghai")
    locale = fields.CharField(max_length=16, default="zh-CN")
    phone_region = fields.CharField(max_length=2, default="CN")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "brands"


class App(Model):
    """A partner system holding client credentials (OAuth2 client-credentials grant)."""

    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "crm.Brand", related_name="apps", on_delete=fields.CASCADE
    )
    brand_id: int
    name = fields.CharField(max_length=200)
    client_id = fields.CharField(max_length=64, unique=True)
    secret_hash = fields.CharField(max_length=200)
    scopes = fields.TextField()
    is_active = fields.BooleanField(default=True)
    # Allow-list mode: only queries registered in PersistedQuery (for this app or its brand) run.
    persisted_queries_only = fields.BooleanField(default=False, db_default=False)
    # Raised by each disable; a token carries the generation it was issued in (`gen`), and one
    # from an earlier generation stays refused after the app is enabled again.
    token_generation = fields.IntField(default=0, db_default=0)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "apps"


class PersistedQuery(Model):
    """A query text registered by an admin under its SHA-256, for one app or (app null) a brand."""

    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "crm.Brand", related_name="persisted_queries", on_delete=fields.CASCADE
    )
    brand_id: int
    app: fields.ForeignKeyNullableRelation[App] = fields.ForeignKeyField(
        "crm.App", related_name="persisted_queries", on_delete=fields.CASCADE, null=True
    )
    app_id: int | None
    sha256 = fields.CharField(max_length=64)
    query = fields.TextField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "persisted_queries"
        unique_together = (("brand", "app", "sha256"),)
        indexes = (("brand_id", "sha256"),)


class StaffUser(Model):
    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "crm.Brand", related_name="staff", on_delete=fields.CASCADE
    )
    brand_id: int
    email = fields.CharField(max_length=254)
    name = fields.CharField(max_length=200, default="")
    password_hash = fields.CharField(max_length=200)
    role = fields.CharField(max_length=32)
    is_active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "staff_users"
        unique_together = (("brand", "email"),)


class TokenRevocation(Model):
    # A revoked token id, per brand: a brand can only revoke (or block in advance) its own ids.
    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "crm.Brand", related_name="token_revocations", on_delete=fields.CASCADE
    )
    brand_id: int
    jti = fields.CharField(max_length=64)
    expires_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "token_revocations"
        unique_together = (("brand", "jti"),)
