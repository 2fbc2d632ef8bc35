from __future__ import annotations

from typing import TYPE_CHECKING

import strawberry

from resolvers.ids import to_global_id
from schema.common import Node

if TYPE_CHECKING:
    from models import Brand as BrandModel


@strawberry.type(name="Brand", description="A brand's public white-label settings.")
class BrandType(Node):
    slug: str
    name: str
    display_name: str
    logo_url: str | None
    primary_color: str | None
    secondary_color: str | None
    currency: str
    timezone: str
    locale: str
    default_phone_region: str

    @classmethod
    def from_model(cls, brand: BrandModel) -> BrandType:
        return cls(
            id=strawberry.ID(to_global_id("Brand", brand.id)),
            slug=brand.slug,
            name=brand.name,
            display_name=brand.display_name,
            logo_url=brand.logo_url,
            primary_color=brand.primary_color,
            secondary_color=brand.secondary_color,
            currency=brand.currency,
            timezone=brand.timezone,
            locale=brand.locale,
            default_phone_region=brand.phone_region,
        )
