"""Custom attributes in a data export (every value, PII included) and an erasure (all go)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from models import Customer
from services.attributes.values import attributes_of, erase_attributes
from services.common.actor import Actor
from services.privacy.registry import erasure_hook, one, section


@section("attributes", single=True, description="The brand's custom attributes, by key.")
async def _attributes(brand_id: int, customer_id: int) -> AsyncIterator[list[dict[str, Any]]]:
    async for page in one(await attributes_of(brand_id, customer_id)):
        yield page


@erasure_hook("attributes")
async def _erase(actor: Actor, customer: Customer) -> None:
    await erase_attributes(actor, customer.id)
