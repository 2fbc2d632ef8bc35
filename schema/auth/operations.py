from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import strawberry

from auth.context import Info
from auth.permissions import public, requires
from auth.scopes import Scope
from resolvers.auth import resolvers
from resolvers.ids import to_global_id
from schema.common import Node, UserError, local_time, user_errors

if TYPE_CHECKING:
    from models import StaffUser as StaffUserModel


@strawberry.type
class StaffUser(Node):
    email: str
    name: str
    role: str

    @classmethod
    def from_model(cls, user: StaffUserModel) -> StaffUser:
        return cls(
            id=strawberry.ID(to_global_id("StaffUser", user.id)),
            email=user.email,
            name=user.name,
            role=user.role,
        )


@strawberry.type
class Viewer:
    kind: str = strawberry.field(description="app, user (staff) or customer.")
    subject: str
    brand: str
    scopes: list[str] = strawberry.field(description="As granted in the token.")
    expires_at: datetime


@strawberry.input
class LoginInput:
    brand: str = strawberry.field(description="The brand's slug.")
    email: str
    password: str


@strawberry.type
class LoginPayload:
    token: str | None = None
    expires_at: datetime | None = None
    scopes: list[str] = strawberry.field(default_factory=list)
    user: StaffUser | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class RevokeTokenInput:
    jti: str = strawberry.field(description="The `jti` claim of the token to revoke.")


@strawberry.type
class RevokeTokenPayload:
    revoked_jti: str | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class AuthQueries:
    @strawberry.field(extensions=requires(), description="Who the caller's token speaks for.")
    def viewer(self, info: Info) -> Viewer:
        principal = info.context.principal
        assert principal is not None
        return Viewer(
            kind=principal.kind,
            subject=principal.subject,
            brand=principal.brand_slug,
            scopes=sorted(principal.scopes),
            expires_at=local_time(info, principal.expires_at),
        )


@strawberry.type
class AuthMutations:
    @strawberry.mutation(extensions=public(), description="Staff log-in; returns a bearer token.")
    async def login(self, info: Info, input: LoginInput) -> LoginPayload:
        result = await resolvers.login(info.context, input.brand, input.email, input.password)
        if result.value is None:
            return LoginPayload(errors=user_errors(result.errors))
        user, token = result.value.user, result.value.token
        return LoginPayload(
            token=token.token,
            expires_at=token.expires_at,
            scopes=sorted(token.scopes),
            user=StaffUser.from_model(user),
        )

    @strawberry.mutation(extensions=requires(Scope.ADMIN))
    async def revoke_token(self, info: Info, input: RevokeTokenInput) -> RevokeTokenPayload:
        result = await resolvers.revoke_token(info.context, input.jti)
        return RevokeTokenPayload(revoked_jti=result.value, errors=user_errors(result.errors))
