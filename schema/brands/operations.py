from __future__ import annotations

from typing import Any

import strawberry

from auth.context import Info
from auth.permissions import public, requires
from auth.scopes import Scope
from resolvers.brands import resolvers
from schema.brands.types import BrandType
from schema.common import UserError, user_errors


@strawberry.input(description="Only the fields given are changed.")
class UpdateBrandInput:
    name: str | None = strawberry.UNSET
    display_name: str | None = strawberry.UNSET
    logo_url: str | None = strawberry.UNSET
    primary_color: str | None = strawberry.UNSET
    secondary_color: str | None = strawberry.UNSET
    currency: str | None = strawberry.UNSET
    timezone: str | None = strawberry.UNSET
    locale: str | None = strawberry.UNSET
    default_phone_region: str | None = strawberry.UNSET

    def changes(self) -> dict[str, Any]:
        names = {"default_phone_region": "phone_region"}
        values = {names.get(k, k): v for k, v in vars(self).items() if v is not strawberry.UNSET}
        return values


@strawberry.type
class UpdateBrandPayload:
    brand: BrandType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class BrandQueries:
    @strawberry.field(
        extensions=public(), description="Public branding, read by a frontend before login."
    )
    async def brand(self, slug: str) -> BrandType | None:
        found = await resolvers.brand_by_slug(slug)
        return BrandType.from_model(found) if found else None


@strawberry.type
class BrandMutations:
    @strawberry.mutation(extensions=requires(Scope.ADMIN))
    async def update_brand(self, info: Info, input: UpdateBrandInput) -> UpdateBrandPayload:
        result = await resolvers.update_brand(info.context, input.changes())
        brand = BrandType.from_model(result.value) if result.value else None
        return UpdateBrandPayload(brand=brand, errors=user_errors(result.errors))
