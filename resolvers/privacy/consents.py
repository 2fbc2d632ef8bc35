from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from auth.context import Context
from resolvers.loaders import BrandKey, get_loader, group_by_brand
from resolvers.results import MutationResult, decode_or_error, run
from services.privacy import consents
from services.privacy.consents import ConsentChange, ConsentState

if TYPE_CHECKING:
    from models import Customer

CHANNELS = consents.CHANNELS


async def _consents(keys: Sequence[BrandKey]) -> list[list[ConsentState]]:
    found: dict[BrandKey, list[ConsentState]] = {}
    for brand_id, ids in group_by_brand(keys).items():
        for customer_id, states in (await consents.consents_of_customers(brand_id, ids)).items():
            found[(brand_id, customer_id)] = states
    return [found.get(key, []) for key in keys]


async def consents_of(context: Context, customer: Customer) -> list[ConsentState]:
    loader = get_loader(context, "customer_consents", _consents)
    return await loader.load((customer.brand_id, customer.id))  # type: ignore[no-any-return]


async def set_consents(
    context: Context,
    customer_id: str,
    changes: list[tuple[str, bool]],
    source: str,
    given_at: datetime | None,
) -> MutationResult[tuple[Customer, list[ConsentState]]]:
    async def operation() -> tuple[Customer, list[ConsentState]]:
        pk = decode_or_error(customer_id, "Customer", "customerId")
        wanted = [ConsentChange(channel, granted) for channel, granted in changes]
        return await consents.set_consents(context.actor, pk, wanted, source, given_at)

    return await run(operation())
