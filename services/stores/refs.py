"""`storeId` inputs that predate stores: a Store global id, or a store code.

A global id must name a store of the brand. Any other text is a store code (trimmed, at most
100 characters): the brand's store with that code, registered on first use (code and name =
the text, the brand's time zone, no hours), exactly as the migration did for the free text
already recorded, so that an integration sending its own codes keeps working and nothing it
sends is lost. `lookup` only reads (dry runs such as validateCoupon).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from events.outbox import emit
from models import Brand
from models.stores import Store
from services.common import audit
from services.common.actor import Actor
from services.common.errors import DomainError, ErrorCode

MAX_CODE = 100


@dataclass(frozen=True)
class StoreRef:
    """What a `storeId` input named: a store's primary key (from a global id) or a code."""

    pk: int | None = None
    code: str | None = None


def from_text(value: str | None) -> StoreRef | None:
    """A `storeId` given as text outside GraphQL (a file's cell): a Store global id, as exports
    write it, or else a store code."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        kind, _, pk = base64.b64decode(text, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return StoreRef(code=text)
    if kind == "Store" and pk.isdigit() and 0 < int(pk) < 2**63:
        return StoreRef(pk=int(pk))
    return StoreRef(code=text)


def _code(value: str, field: str) -> str:
    code = value.strip()
    if len(code) > MAX_CODE:
        raise DomainError.single(field, ErrorCode.TOO_LONG, f"a store code has at most {MAX_CODE}")
    return code


async def lookup(brand_id: int, ref: StoreRef | None, field: str) -> Store | None:
    """The store `ref` names, without registering a new code (None when unknown)."""
    if ref is None:
        return None
    if ref.pk is not None:
        found = await Store.get_or_none(brand_id=brand_id, id=ref.pk)
        if found is None:
            raise DomainError.single(field, ErrorCode.NOT_FOUND, "store not found")
        return found
    code = _code(ref.code or "", field)
    return await Store.get_or_none(brand_id=brand_id, code=code) if code else None


async def resolve(actor: Actor, ref: StoreRef | None, field: str) -> Store | None:
    """The store `ref` names, a new code registered; call inside the caller's transaction."""
    found = await lookup(actor.brand_id, ref, field)
    code = _code((ref.code if ref else None) or "", field)
    if found is not None or not code:
        return found
    brand = await Brand.get(id=actor.brand_id)
    try:
        async with in_transaction():  # a savepoint inside the caller's transaction
            store = await Store.create(
                brand_id=actor.brand_id, code=code, name=code, timezone=brand.timezone
            )
    except IntegrityError:  # a concurrent request registered the same code first
        return await Store.get(brand_id=actor.brand_id, code=code)
    await audit.record(actor, "createStore", "Store", store.id, {"implicit": True})
    await emit(
        actor,
        "store.created",
        subject=("Store", store.id),
        payload={"store": store.id, "code": code, "status": store.status, "implicit": True},
    )
    return store


async def codes_of(brand_id: int, store_ids: list[int]) -> dict[int, str]:
    rows = await Store.filter(brand_id=brand_id, id__in=store_ids).values_list("id", "code")
    return {int(pk): str(code) for pk, code in rows}


async def code_of(brand_id: int, store_id: int | None) -> str | None:
    if store_id is None:
        return None
    return (await codes_of(brand_id, [store_id])).get(store_id)
