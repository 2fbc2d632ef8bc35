"""Partner apps managed by a brand's admin: create, scopes, disable/enable, secret rotation.

Secrets are shown once and stored as argon2 hashes. A rotation keeps the previous secret
working for an overlap (at most `MAX_OVERLAP_SECONDS`), so a partner can deploy the new one
without downtime; tokens already issued stay valid until they expire unless revoked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.transactions import in_transaction

from events.outbox import emit
from models import App, Brand
from models.partners import AppPreviousSecret
from services.brands import brands
from services.brands.credentials import hash_secret, new_client_secret
from services.common import audit
from services.common.actor import Actor
from services.common.errors import DomainError, ErrorCode, ErrorCollector

MAX_NAME = 200
MAX_OVERLAP_SECONDS = 7 * 24 * 3600
MAX_PREVIOUS_SECRETS = 2  # a third rotation inside the overlaps ends the oldest one
MAX_APPS_LISTED = 500


@dataclass(frozen=True)
class NewSecret:
    app: App
    client_secret: str
    previous_expires_at: datetime | None = None


@dataclass(frozen=True)
class Grant:
    """What the caller may grant: the scope vocabulary, and the scopes it holds (expanded)."""

    known: frozenset[str]
    held: frozenset[str]


def utcnow() -> datetime:
    return datetime.now(UTC)


def clean_scopes(requested: list[str], grant: Grant) -> list[str]:
    """Known scopes the caller holds itself: nobody grants what they lack."""
    scopes = {s.strip() for s in requested if s.strip()}
    unknown = scopes - grant.known
    if unknown:
        message = f"unknown scopes: {' '.join(sorted(unknown))}"
        raise DomainError.single("scopes", ErrorCode.INVALID, message)
    if not scopes:
        raise DomainError.single("scopes", ErrorCode.REQUIRED, "give at least one scope")
    missing = scopes - grant.held
    if missing:
        raise DomainError.single(
            "scopes",
            ErrorCode.SCOPE_NOT_HELD,
            f"you cannot grant scopes you do not hold: {' '.join(sorted(missing))}",
        )
    return sorted(scopes)


async def list_apps(brand_id: int) -> list[App]:
    return await App.filter(brand_id=brand_id).order_by("id").limit(MAX_APPS_LISTED)


async def _locked(actor: Actor, app_id: int) -> App:
    app = await App.select_for_update().get_or_none(brand_id=actor.brand_id, id=app_id)
    if app is None:
        raise DomainError.single("appId", ErrorCode.NOT_FOUND, "app not found")
    return app


async def _changed(actor: Actor, app: App, operation: str, details: dict[str, Any]) -> None:
    await audit.record(actor, operation, "App", app.id, details)
    payload = {"operation": operation, "fields": details.get("fields", [])}
    await emit(actor, "app.changed", subject=("App", app.id), payload=payload)


async def create_app(
    actor: Actor, grant: Grant, name: str, scopes: list[str]
) -> brands.AppCredentials:
    errors = ErrorCollector()
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        errors.add("name", ErrorCode.INVALID, f"name must be 1 to {MAX_NAME} characters")
    errors.raise_if_any()
    granted = clean_scopes(scopes, grant)
    async with in_transaction():
        brand = await Brand.get(id=actor.brand_id)
        created = await brands.create_app(brand, name, granted)
        await _changed(actor, created.app, "createApp", {"scopes": granted})
    return created


async def update_scopes(actor: Actor, grant: Grant, app_id: int, scopes: list[str]) -> App:
    """New tokens carry the new scopes; tokens already issued keep theirs until they expire
    (revoke them, or disable and enable the app, to cut them off now)."""
    granted = clean_scopes(scopes, grant)
    async with in_transaction():
        app = await _locked(actor, app_id)
        before = set(app.scopes.split())
        app.scopes = " ".join(granted)
        await app.save(update_fields=["scopes"])
        details = {
            "fields": ["scopes"],
            "added": sorted(set(granted) - before),
            "removed": sorted(before - set(granted)),
        }
        await _changed(actor, app, "updateAppScopes", details)
    return app


async def set_enabled(actor: Actor, app_id: int, enabled: bool) -> App:
    """A thin wrapper of `brands.set_app_active` (which decides what disabling does to the
    app's tokens): finds the app in the caller's brand, audits and emits."""
    async with in_transaction():
        found = await _locked(actor, app_id)
        app = await brands.set_app_active(found.client_id, enabled)
        assert app is not None
        operation = "enableApp" if enabled else "disableApp"
        await _changed(actor, app, operation, {"fields": ["isActive"]})
    return app


async def rotate_secret(actor: Actor, app_id: int, overlap_seconds: int) -> NewSecret:
    if not 0 <= overlap_seconds <= MAX_OVERLAP_SECONDS:
        raise DomainError.single(
            "overlapSeconds",
            ErrorCode.INVALID,
            f"overlapSeconds must be 0 to {MAX_OVERLAP_SECONDS} (7 days)",
        )
    secret = new_client_secret()
    now = utcnow()
    async with in_transaction():
        app = await _locked(actor, app_id)
        await AppPreviousSecret.filter(app_id=app.id, expires_at__lte=now).delete()
        expires = None
        if overlap_seconds:
            expires = now + timedelta(seconds=overlap_seconds)
            await AppPreviousSecret.create(
                brand_id=app.brand_id,
                app_id=app.id,
                secret_hash=app.secret_hash,
                rotated_at=now,
                expires_at=expires,
            )
            live = await AppPreviousSecret.filter(app_id=app.id).order_by("-expires_at", "-id")
            for stale in live[MAX_PREVIOUS_SECRETS:]:
                await stale.delete()
        app.secret_hash = await hash_secret(secret)
        await app.save(update_fields=["secret_hash"])
        await _changed(
            actor, app, "rotateAppSecret", {"fields": ["secret"], "overlapSeconds": overlap_seconds}
        )
    return NewSecret(app, secret, expires)


async def apps_by_id(brand_id: int, app_ids: list[int]) -> list[App]:
    return await App.filter(brand_id=brand_id, id__in=app_ids)
