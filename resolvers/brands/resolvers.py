from __future__ import annotations

from typing import TYPE_CHECKING, Any

from auth.context import Context
from resolvers.results import MutationResult, run
from services.brands import brands

if TYPE_CHECKING:
    from models import Brand


async def brand_by_slug(slug: str) -> Brand | None:
    return await brands.get_brand(slug)


async def update_brand(context: Context, changes: dict[str, Any]) -> MutationResult[Brand]:
    return await run(brands.update_branding(context.actor, changes))
