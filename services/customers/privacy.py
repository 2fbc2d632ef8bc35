"""The customers domain in a data export and an erasure: profile, external ids, tags, notes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from models import Customer, CustomerExternalId, CustomerNote, CustomerTag
from services.common.actor import Actor
from services.privacy.registry import erasure_hook, iso, one, paged, section


def profile_of(c: Customer) -> dict[str, Any]:
    return {
        "id": c.id,
        "name": c.name,
        "phone": c.phone,
        "email": c.email,
        "gender": c.gender,
        "birthday": iso(c.birthday),
        "city": c.city,
        "region": c.region,
        "address": c.address,
        "acquisitionChannel": c.acquisition_channel,
        "marketingConsent": c.marketing_consent,
        "createdAt": iso(c.created_at),
        "updatedAt": iso(c.updated_at),
        "erasedAt": iso(c.erased_at),
    }


@section("profile", single=True, description="The profile; null fields are not held.")
async def _profile(brand_id: int, customer_id: int) -> AsyncIterator[list[dict[str, Any]]]:
    found = await Customer.get_or_none(brand_id=brand_id, id=customer_id)
    async for page in one(profile_of(found) if found else None):
        yield page


@section("externalIds", description="The ids partner systems know the customer by.")
async def _external_ids(brand_id: int, customer_id: int) -> AsyncIterator[list[dict[str, Any]]]:
    async def convert(rows: list[CustomerExternalId]) -> list[dict[str, Any]]:
        return [{"system": r.system, "externalId": r.external_id} for r in rows]

    query = CustomerExternalId.filter(brand_id=brand_id, customer_id=customer_id)
    async for page in paged(query, convert):
        yield page


@section("tags")
async def _tags(brand_id: int, customer_id: int) -> AsyncIterator[list[dict[str, Any]]]:
    async def convert(rows: list[CustomerTag]) -> list[dict[str, Any]]:
        return [{"tag": r.tag} for r in rows]

    async for page in paged(
        CustomerTag.filter(brand_id=brand_id, customer_id=customer_id), convert
    ):
        yield page


@section("notes", description="Staff notes about the customer.")
async def _notes(brand_id: int, customer_id: int) -> AsyncIterator[list[dict[str, Any]]]:
    async def convert(rows: list[CustomerNote]) -> list[dict[str, Any]]:
        return [{"body": r.body, "author": r.author, "createdAt": iso(r.created_at)} for r in rows]

    query = CustomerNote.filter(brand_id=brand_id, customer_id=customer_id)
    async for page in paged(query, convert):
        yield page


@erasure_hook("customers")
async def _erase(actor: Actor, customer: Customer) -> None:
    """Tags, external ids and notes go; the profile itself is anonymised by the erasure."""
    for model in (CustomerTag, CustomerExternalId, CustomerNote):
        await model.filter(brand_id=customer.brand_id, customer_id=customer.id).delete()
