"""`apps` and the mutations that manage them (scope `admin`): what `crm app ...` does."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import strawberry

from auth.context import Info
from auth.permissions import requires
from auth.scopes import Scope
from resolvers.brands import app_admin
from schema.brands.apps import PartnerApp
from schema.common import UserError, argument_or_input, local_time, user_errors
from services.common.errors import ErrorCode, FieldError

if TYPE_CHECKING:
    from models import App

ADMIN = requires(Scope.ADMIN)


@strawberry.input
class CreateAppInput:
    name: str
    scopes: list[str] = strawberry.field(description="Never more than the caller holds.")


@strawberry.input
class UpdateAppScopesInput:
    app_id: strawberry.ID
    scopes: list[str]


@strawberry.input
class AppIdInput:
    app_id: strawberry.ID


@strawberry.input
class RotateAppSecretInput:
    app_id: strawberry.ID
    overlap_seconds: int = strawberry.field(
        description="How long the old secret keeps working (0 to 604800: 7 days)."
    )


@strawberry.type
class AppPayload:
    app: PartnerApp | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type(description="The secret is shown here once; only its hash is stored.")
class AppSecretPayload:
    app: PartnerApp | None = None
    client_secret: str | None = None
    previous_secret_expires_at: datetime | None = strawberry.field(
        default=None, description="When the replaced secret stops working (rotation only)."
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class AppAdminQueries:
    @strawberry.field(extensions=ADMIN, description="The brand's partner apps, oldest first.")
    async def apps(self, info: Info) -> list[PartnerApp]:
        return [PartnerApp.from_model(a) for a in await app_admin.list_apps(info.context)]


@strawberry.type
class AppAdminMutations:
    @strawberry.mutation(extensions=ADMIN, description="New client credentials.")
    async def create_app(self, info: Info, input: CreateAppInput) -> AppSecretPayload:
        result = await app_admin.create_app(info.context, input.name, list(input.scopes))
        created = result.value
        return AppSecretPayload(
            app=PartnerApp.from_model(created.app) if created else None,
            client_secret=created.client_secret if created else None,
            errors=user_errors(result.errors),
        )

    @strawberry.mutation(
        extensions=ADMIN, description="New tokens carry the new scopes; issued ones keep theirs."
    )
    async def update_app_scopes(self, info: Info, input: UpdateAppScopesInput) -> AppPayload:
        result = await app_admin.update_scopes(info.context, input.app_id, list(input.scopes))
        return _payload(result.value, result.errors)

    @strawberry.mutation(extensions=ADMIN, description="Refuses the app's credentials and tokens.")
    async def disable_app(
        self, info: Info, app_id: strawberry.ID | None = None, input: AppIdInput | None = None
    ) -> AppPayload:
        chosen, refused = argument_or_input("appId", app_id, input and input.app_id)
        if refused:
            return AppPayload(errors=refused)
        result = await app_admin.set_enabled(info.context, chosen, False)
        return _payload(result.value, result.errors)

    @strawberry.mutation(extensions=ADMIN)
    async def enable_app(
        self, info: Info, app_id: strawberry.ID | None = None, input: AppIdInput | None = None
    ) -> AppPayload:
        chosen, refused = argument_or_input("appId", app_id, input and input.app_id)
        if refused:
            return AppPayload(errors=refused)
        result = await app_admin.set_enabled(info.context, chosen, True)
        return _payload(result.value, result.errors)

    @strawberry.mutation(
        extensions=ADMIN,
        description="A new secret; the old one keeps working for `overlapSeconds`. Issued "
        "tokens stay valid until they expire unless revoked.",
    )
    async def rotate_app_secret(
        self,
        info: Info,
        app_id: strawberry.ID | None = None,
        overlap_seconds: int | None = None,
        input: RotateAppSecretInput | None = None,
    ) -> AppSecretPayload:
        chosen, refused = argument_or_input("appId", app_id, input and input.app_id)
        if input is not None and overlap_seconds is not None:
            chosen, refused = (
                None,
                [
                    UserError(
                        field="overlapSeconds",
                        code=ErrorCode.INVALID,
                        message="give `overlapSeconds` as an argument or inside `input`, once",
                    )
                ],
            )
        if refused:
            return AppSecretPayload(errors=refused)
        overlap = input.overlap_seconds if input is not None else (overlap_seconds or 0)
        result = await app_admin.rotate_secret(info.context, chosen, overlap)
        rotated = result.value
        expires = rotated.previous_expires_at if rotated else None
        return AppSecretPayload(
            app=PartnerApp.from_model(rotated.app) if rotated else None,
            client_secret=rotated.client_secret if rotated else None,
            previous_secret_expires_at=local_time(info, expires) if expires else None,
            errors=user_errors(result.errors),
        )


def _payload(app: App | None, errors: list[FieldError]) -> AppPayload:
    return AppPayload(app=PartnerApp.from_model(app) if app else None, errors=user_errors(errors))
