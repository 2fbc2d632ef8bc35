"""`store` hung on the types that refer to a store by id (purchases, tickets)."""

from __future__ import annotations

from typing import Any

import strawberry

from auth.context import Info
from resolvers.stores import loaders
from schema.stores.types import StoreType


@strawberry.type
class StoreFields:
    model: strawberry.Private[Any]

    @strawberry.field(description="The store concerned (null: none recorded).")
    async def store(self, info: Info) -> StoreType | None:
        found = await loaders.store_by_id(info.context, self.model.brand_id, self.model.store_id)
        return StoreType.from_model(found) if found else None
