from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from strawberry.exceptions import StrawberryGraphQLError

from auth.context import Context
from auth.credential_throttle import client_address, throttle_of
from auth.live_connections import Revocation
from auth.scopes import ROLE_SCOPES
from auth.tokens import IssuedToken, issue_token
from resolvers.auth.revocations import announce
from resolvers.results import MutationResult, run
from services.brands import brands
from services.common import audit
from services.common.actor import Actor
from services.common.errors import DomainError, ErrorCode

if TYPE_CHECKING:
    from models import StaffUser


@dataclass(frozen=True)
class LoginResult:
    user: StaffUser
    token: IssuedToken


async def login(
    context: Context, brand: str, email: str, password: str
) -> MutationResult[LoginResult]:
    request = context.request
    assert request is not None
    throttle, address = throttle_of(request), client_address(request)
    account = f"{brand}:{email.strip().lower()}"
    wait = await throttle.retry_after("login", account, address)
    if wait is not None:
        raise StrawberryGraphQLError(
            f"too many failed log-ins; retry in {wait} s",
            extensions={"code": "RATE_LIMITED", "retryAfter": wait},
        )

    async def operation() -> LoginResult:
        user = await brands.authenticate_staff(brand, email, password)
        if user is None:
            await throttle.failed("login", account, address)
            await brands.record_failed_login(brand, email, address, context.request_id)
            raise DomainError.single(
                None, ErrorCode.INVALID_CREDENTIALS, "unknown brand, email or password"
            )
        await throttle.succeeded("login", account, address)
        actor = Actor(user.brand_id, "user", str(user.id), context.request_id)
        await audit.record(actor, "login", "StaffUser", user.id)
        token = issue_token(
            context.settings,
            "user",
            user.id,
            brand,
            ROLE_SCOPES[user.role],
            context.settings.staff_token_ttl_seconds,
        )
        return LoginResult(user=user, token=token)

    return await run(operation())


async def revoke_token(context: Context, jti: str) -> MutationResult[str]:
    async def operation() -> str:
        if not jti.strip() or len(jti) > 64:
            raise DomainError.single("jti", ErrorCode.INVALID, "jti must be 1-64 characters")
        await brands.revoke_token(context.actor, jti.strip(), None)
        await announce(context, Revocation(context.actor.brand_id, jti=jti.strip()))
        return jti.strip()

    return await run(operation())
