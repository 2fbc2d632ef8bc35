from __future__ import annotations

from dataclasses import dataclass

from auth.context import Context
from auth.scopes import ROLE_SCOPES
from auth.tokens import IssuedToken, issue_token
from models import StaffUser
from resolvers.results import MutationResult, run
from services.brands import brands
from services.common import audit
from services.common.actor import Actor
from services.common.errors import DomainError, ErrorCode


@dataclass(frozen=True)
class LoginResult:
    user: StaffUser
    token: IssuedToken


async def login(
    context: Context, brand: str, email: str, password: str
) -> MutationResult[LoginResult]:
    async def operation() -> LoginResult:
        user = await brands.authenticate_staff(brand, email, password)
        if user is None:
            raise DomainError.single(
                None, ErrorCode.INVALID_CREDENTIALS, "unknown brand, email or password"
            )
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
        return jti.strip()

    return await run(operation())
