"""Partner apps loaded by id within the caller's brand (one statement per batch)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from auth.context import Context
from resolvers.loaders import BrandKey, get_loader, group_by_brand
from services.brands import apps

if TYPE_CHECKING:
    from models import App


async def _apps(keys: Sequence[BrandKey]) -> list[App | None]:
    found: dict[BrandKey, App] = {}
    for brand_id, ids in group_by_brand(keys).items():
        for row in await apps.apps_by_id(brand_id, ids):
            found[(brand_id, row.id)] = row
    return [found.get(key) for key in keys]


async def app_by_id(context: Context, app_id: int) -> App | None:
    loader = get_loader(context, "apps", _apps)
    return await loader.load((context.require_brand().id, app_id))  # type: ignore[no-any-return]
