"""Brands (tenants), their partner apps, staff users and revoked tokens."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from models import App, Brand, Customer, StaffUser, TokenRevocation
from services.brands import previous_secrets
from services.brands.credentials import hash_secret, new_client_id, new_client_secret, verify_secret
from services.common import audit
from services.common.actor import Actor
from services.common.db_errors import refuse_nulls
from services.common.errors import DomainError, ErrorCode, ErrorCollector
from services.customers.normalize import InvalidValue, normalize_email

log = logging.getLogger("crm.auth")

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
STAFF_ROLES = ("OWNER", "MANAGER", "AGENT", "CLERK", "MARKETER", "ANALYST")
BRANDING_FIELDS = (
    "name",
    "display_name",
    "logo_url",
    "primary_color",
    "secondary_color",
    "currency",
    "timezone",
    "locale",
    "phone_region",
)


def validate_branding(values: dict[str, Any], errors: ErrorCollector) -> None:
    for key in ("name", "display_name"):
        if key in values and not (values[key] or "").strip():
            errors.add(key, ErrorCode.REQUIRED, f"{key} must not be empty")
    for key in ("primary_color", "secondary_color"):
        value = values.get(key)
        if value is not None and not COLOR_RE.match(value):
            errors.add(key, ErrorCode.INVALID, f"{key} must look like #1a2b3c")
    logo = values.get("logo_url")
    if logo is not None and not logo.startswith(("https://", "http://")):
        errors.add("logo_url", ErrorCode.INVALID, "logo_url must be an http(s) URL")
    currency = values.get("currency")
    if currency is not None and not re.fullmatch(r"[A-Z]{3}", currency):
        errors.add("currency", ErrorCode.INVALID, "currency must be an ISO 4217 code such as CNY")
    tz = values.get("timezone")
    if tz is not None:
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            errors.add("timezone", ErrorCode.INVALID, f"unknown time zone '{tz}'")
    region = values.get("phone_region")
    if region is not None and region.upper() not in phonenumbers.SUPPORTED_REGIONS:
        errors.add("default_phone_region", ErrorCode.INVALID, f"unknown phone region '{region}'")


async def create_brand(slug: str, name: str, **branding: Any) -> Brand:
    errors = ErrorCollector()
    if not SLUG_RE.match(slug):
        errors.add("slug", ErrorCode.INVALID, "slug must be 2-63 lowercase letters, digits, -")
    values = {"name": name, "display_name": branding.pop("display_name", None) or name}
    values.update(branding)
    validate_branding(values, errors)
    errors.raise_if_any()
    if "phone_region" in values:
        values["phone_region"] = values["phone_region"].upper()
    try:
        brand = Brand(slug=slug, **values)
        await brand.save()
        return brand
    except IntegrityError as exc:
        raise DomainError.single("slug", ErrorCode.DUPLICATE, f"brand '{slug}' exists") from exc


async def get_brand(slug: str) -> Brand | None:
    return await Brand.get_or_none(slug=slug)


async def update_branding(actor: Actor, changes: dict[str, Any]) -> Brand:
    unknown = set(changes) - set(BRANDING_FIELDS)
    if unknown:
        raise ValueError(f"not branding fields: {sorted(unknown)}")
    errors = ErrorCollector()
    refuse_nulls(Brand, changes, errors)
    errors.raise_if_any()
    validate_branding(changes, errors)
    errors.raise_if_any()
    async with in_transaction():
        brand = await Brand.select_for_update().get(id=actor.brand_id)
        for key, value in changes.items():
            setattr(brand, key, value.upper() if key == "phone_region" else value)
        await brand.save()
        await audit.record(actor, "updateBrand", "Brand", brand.id, {"fields": sorted(changes)})
    return brand


@dataclass(frozen=True)
class AppCredentials:
    app: App
    client_secret: str


async def create_app(brand: Brand, name: str, scopes: list[str]) -> AppCredentials:
    secret = new_client_secret()
    app = await App.create(
        brand=brand,
        name=name,
        client_id=new_client_id(),
        secret_hash=await hash_secret(secret),
        scopes=" ".join(scopes),
    )
    return AppCredentials(app=app, client_secret=secret)


async def authenticate_app(client_id: str, client_secret: str) -> App | None:
    app = await App.get_or_none(client_id=client_id).prefetch_related("brand")
    valid = await verify_secret(app.secret_hash if app else None, client_secret)
    if app is not None and not valid and app.is_active:  # inside a rotation's overlap
        valid = await previous_secrets.verify(app, client_secret)
    if app is None or not valid or not app.is_active:
        return None
    return app


async def set_app_active(client_id: str, active: bool) -> App | None:
    """Disabling refuses the app's credentials and every token it holds: it raises the app's
    token generation, so tokens issued before stay refused after `enable` (docs/auth.md)."""
    changes: dict[str, Any] = {"is_active": active}
    if not active:
        changes["token_generation"] = F("token_generation") + 1
    if await App.filter(client_id=client_id).update(**changes) == 0:
        return None
    return await App.get(client_id=client_id)


async def create_staff_user(
    brand: Brand, email: str, password: str, role: str, name: str = ""
) -> StaffUser:
    errors = ErrorCollector()
    try:
        email = normalize_email(email)
    except InvalidValue as exc:
        errors.add("email", ErrorCode.INVALID, str(exc))
    if len(password) < 8:
        errors.add("password", ErrorCode.INVALID, "password must have at least 8 characters")
    if role.upper() not in STAFF_ROLES:
        errors.add("role", ErrorCode.INVALID, f"role must be one of {', '.join(STAFF_ROLES)}")
    errors.raise_if_any()
    try:
        return await StaffUser.create(
            brand=brand,
            email=email,
            password_hash=await hash_secret(password),
            role=role.upper(),
            name=name,
        )
    except IntegrityError as exc:
        raise DomainError.single("email", ErrorCode.DUPLICATE, f"{email} exists") from exc


async def authenticate_staff(brand_slug: str, email: str, password: str) -> StaffUser | None:
    user = None
    brand = await Brand.get_or_none(slug=brand_slug)
    if brand is not None:
        try:
            email = normalize_email(email)
        except InvalidValue:
            email = email.strip().lower()
        user = await StaffUser.get_or_none(brand_id=brand.id, email=email)
    valid = await verify_secret(user.password_hash if user else None, password)
    if user is None or not valid or not user.is_active:
        return None
    user.brand = brand  # type: ignore[assignment]
    return user


async def record_failed_login(brand_slug: str, email: str, address: str, request_id: str) -> None:
    """An audit row of the brand (when it exists) for a refused log-in; never the password."""
    brand = await Brand.get_or_none(slug=brand_slug)
    if brand is None:
        log.info("failed log-in for unknown brand %r from %s", brand_slug[:64], address)
        return
    email = email.strip().lower()[:254]
    user = await StaffUser.get_or_none(brand_id=brand.id, email=email)
    actor = Actor(brand.id, "anonymous", address, request_id)
    details = {"email": email, "address": address, "knownUser": user is not None}
    await audit.record(actor, "loginFailed", "StaffUser", user.id if user else None, details)


async def record_failed_client_auth(client_id: str, address: str, request_id: str) -> None:
    """An audit row of the app's brand for refused client credentials; never the secret."""
    app = await App.get_or_none(client_id=client_id[:64])
    if app is None:
        log.info("failed client authentication for unknown client from %s", address)
        return
    actor = Actor(app.brand_id, "anonymous", address, request_id)
    details = {"clientId": app.client_id, "address": address}
    await audit.record(actor, "tokenRequestFailed", "App", app.id, details)


async def revoke_token(actor: Actor, jti: str, expires_at: datetime | None) -> None:
    async with in_transaction():
        await TokenRevocation.get_or_create(
            brand_id=actor.brand_id, jti=jti, defaults={"expires_at": expires_at}
        )
        await audit.record(actor, "revokeToken", "Token", jti)


async def principal_is_revoked(
    jti: str,
    app_id: int | None,
    user_id: int | None,
    customer_id: int | None,
    brand_id: int,
) -> bool:
    """One check per request: the token's jti is revoked in its brand, its app/user is
    disabled, or its customer no longer exists in the brand."""
    if await TokenRevocation.exists(jti=jti, brand_id=brand_id):
        return True
    if app_id is not None:
        return not await App.exists(id=app_id, is_active=True)
    if user_id is not None:
        return not await StaffUser.exists(id=user_id, is_active=True)
    if customer_id is not None:
        return not await Customer.exists(id=customer_id, brand_id=brand_id, erased_at=None)
    return False


class OpenToken(NamedTuple):
    """A verified token still in use (an open websocket's)."""

    brand_id: int
    kind: str  # app, user or customer
    subject_id: int
    jti: str
    generation: int  # an app token's generation (`gen`)


DEAD_TOKEN_BATCH = 500


async def dead_tokens(open_tokens: list[OpenToken]) -> set[OpenToken]:
    """Those of the tokens that `principal_is_revoked` (or, for apps, a newer token generation)
    would refuse now, in four statements a batch whatever their number."""
    dead: set[OpenToken] = set()
    for start in range(0, len(open_tokens), DEAD_TOKEN_BATCH):
        dead |= await _dead_among(open_tokens[start : start + DEAD_TOKEN_BATCH])
    return dead


async def _dead_among(batch: list[OpenToken]) -> set[OpenToken]:
    def ids(kind: str) -> set[int]:
        return {t.subject_id for t in batch if t.kind == kind}

    jtis = {t.jti for t in batch}
    revoked = set(await TokenRevocation.filter(jti__in=jtis).values_list("brand_id", "jti"))
    app_rows = await App.filter(id__in=ids("app")).values_list(
        "id", "brand_id", "is_active", "token_generation"
    )
    apps = {row[0]: (row[1], bool(row[2]), row[3]) for row in app_rows}
    users = set(
        await StaffUser.filter(id__in=ids("user"), is_active=True).values_list("id", "brand_id")
    )
    customers = set(
        await Customer.filter(id__in=ids("customer"), erased_at=None).values_list("id", "brand_id")
    )
    holders = {"user": users, "customer": customers}

    def is_dead(token: OpenToken) -> bool:
        if (token.brand_id, token.jti) in revoked:
            return True
        if token.kind == "app":
            return apps.get(token.subject_id) != (token.brand_id, True, token.generation)
        return (token.subject_id, token.brand_id) not in holders.get(token.kind, set())

    return {token for token in batch if is_dead(token)}
