"""Secrets an app rotated away from, accepted until their overlap ends."""

from __future__ import annotations

from datetime import UTC, datetime

from models import App
from models.partners import AppPreviousSecret
from services.brands.credentials import verify_secret


async def verify(app: App, secret: str) -> bool:
    """The secret is one the app rotated away from, inside its overlap."""
    hashes = await AppPreviousSecret.filter(
        app_id=app.id, expires_at__gt=datetime.now(UTC)
    ).values_list("secret_hash", flat=True)
    for secret_hash in hashes:
        if await verify_secret(str(secret_hash), secret):
            return True
    return False


async def last_expiry(app: App) -> datetime | None:
    """When the last secret accepted besides the current one stops working (None: none is)."""
    found = (
        await AppPreviousSecret.filter(app_id=app.id, expires_at__gt=datetime.now(UTC))
        .order_by("-expires_at")
        .first()
    )
    return found.expires_at if found else None
