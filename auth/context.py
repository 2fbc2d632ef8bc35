"""The typed request context every resolver receives."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import strawberry
from starlette.requests import Request
from starlette.websockets import WebSocket

from auth.principal import Principal
from auth.tokens import InvalidToken, verify_token
from config import Settings
from models import Brand
from services.brands.allowlist import brand_and_app_state
from services.brands.brands import principal_is_revoked
from services.common.actor import Actor


@dataclass
class Context:
    request: Request | WebSocket | None
    settings: Settings
    request_id: str
    principal: Principal | None = None
    brand: Brand | None = None
    auth_error: str | None = None
    # The app is in allow-list mode: only its registered persisted queries run (engine/allowlist).
    allow_list_only: bool = False
    loaders: dict[str, Any] = field(default_factory=dict)
    # Websockets: the connection_init payload (strawberry fills it), see CRMGraphQL.on_ws_connect.
    connection_params: dict[str, Any] | None = None

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.brand.timezone if self.brand else "UTC")

    def require_brand(self) -> Brand:
        """The caller's brand; permission classes guarantee it exists before resolvers run."""
        if self.brand is None:
            raise RuntimeError("resolver reached without an authenticated brand")
        return self.brand

    @property
    def actor(self) -> Actor:
        brand = self.require_brand()
        assert self.principal is not None
        return Actor(brand.id, self.principal.kind, str(self.principal.subject_id), self.request_id)


Info = strawberry.Info[Context, None]


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def authenticate(context: Context, token: str) -> None:
    """Fill the principal and brand from a bearer token, or record why it was refused."""
    try:
        principal = verify_token(context.settings, token)
    except InvalidToken as exc:
        context.auth_error = str(exc)
        return
    if principal.kind == "app":  # one statement: brand, active app, revoked jti, allow-list
        brand, state = await brand_and_app_state(
            principal.brand_slug, principal.subject_id, principal.jti
        )
        if brand is None:
            context.auth_error = "the token's brand does not exist"
            return
        if state is None or not state.usable or state.generation != principal.generation:
            context.auth_error = "token has been revoked"
            return
        context.allow_list_only = state.allow_list_only
    else:
        brand = await Brand.get_or_none(slug=principal.brand_slug)
        if brand is None:
            context.auth_error = "the token's brand does not exist"
            return
        user_id = principal.subject_id if principal.kind == "user" else None
        customer_id = principal.subject_id if principal.kind == "customer" else None
        if await principal_is_revoked(principal.jti, None, user_id, customer_id, brand.id):
            context.auth_error = "token has been revoked"
            return
    context.principal, context.brand = principal, brand


async def build_context(request: Request | WebSocket, settings: Settings) -> Context:
    request_id = request.scope.get("state", {}).get("request_id") or uuid.uuid4().hex
    context = Context(request=request, settings=settings, request_id=request_id)
    token = bearer_token(request.headers.get("authorization"))
    if token is not None:
        await authenticate(context, token)
    return context
