"""Public per-brand write keys: embedded in web pages, good only for sending visitor events."""

from __future__ import annotations

import secrets

from tortoise.transactions import in_transaction

from models.analytics import TrackingKey
from services.common import audit
from services.common.actor import Actor
from services.common.errors import DomainError, ErrorCode

KEY_PREFIX = "twk_"
MAX_KEYS = 20
MAX_NAME = 200


async def create_key(actor: Actor, name: str) -> TrackingKey:
    name = name.strip()
    if not name:
        raise DomainError.single("name", ErrorCode.REQUIRED, "name is required")
    if len(name) > MAX_NAME:
        raise DomainError.single("name", ErrorCode.TOO_LONG, f"at most {MAX_NAME} characters")
    async with in_transaction():
        if await TrackingKey.filter(brand_id=actor.brand_id, active=True).count() >= MAX_KEYS:
            raise DomainError.single(
                "name", ErrorCode.LIMIT_REACHED, f"a brand has at most {MAX_KEYS} active keys"
            )
        key = await TrackingKey.create(
            brand_id=actor.brand_id, name=name, key=KEY_PREFIX + secrets.token_urlsafe(24)
        )
        await audit.record(actor, "createTrackingKey", "TrackingKey", key.id, {"name": name})
    return key


async def revoke_key(actor: Actor, key_id: int) -> TrackingKey:
    async with in_transaction():
        key = await TrackingKey.get_or_none(brand_id=actor.brand_id, id=key_id)
        if key is None:
            raise DomainError.single("id", ErrorCode.NOT_FOUND, "tracking key not found")
        key.active = False
        await key.save(update_fields=["active"])
        await audit.record(actor, "revokeTrackingKey", "TrackingKey", key.id)
    return key


async def list_keys(brand_id: int) -> list[TrackingKey]:
    return await TrackingKey.filter(brand_id=brand_id).order_by("id").limit(MAX_KEYS * 5)


async def active_key(key: str) -> TrackingKey | None:
    """The active key with this value, or None (unknown and revoked keys look the same)."""
    if not key.startswith(KEY_PREFIX) or len(key) > 64:
        return None
    return await TrackingKey.get_or_none(key=key, active=True)
