"""Consents in a data export (the recorded decisions) and an erasure (they go)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from models import Customer
from models.privacy import CustomerConsent
from services.common.actor import Actor
from services.privacy.consents import consents_of
from services.privacy.registry import erasure_hook, iso, section


@section("consents", description="Marketing consent per channel, when and how it was given.")
async def _consents(brand_id: int, customer_id: int) -> AsyncIterator[list[dict[str, Any]]]:
    customer = await Customer.get_or_none(brand_id=brand_id, id=customer_id, erased_at=None)
    states = (await consents_of([customer])).get(customer_id, []) if customer else []
    yield [
        {
            "channel": s.channel,
            "granted": s.granted,
            "source": s.source,
            "givenAt": iso(s.given_at),
            "recordedBy": s.recorded_by,
        }
        for s in states
    ]


@erasure_hook("consents")
async def _erase(actor: Actor, customer: Customer) -> None:
    await CustomerConsent.filter(brand_id=customer.brand_id, customer_id=customer.id).delete()
