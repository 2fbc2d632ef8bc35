from __future__ import annotations

from typing import TYPE_CHECKING, Any

from auth.context import Context
from resolvers.results import MutationResult, decode_or_error, run
from services.common.errors import ErrorCode, FieldError
from services.customers import customers, reads, upsert
from services.customers.upsert import UpsertInput, UpsertResult
from services.referrals import referrals

if TYPE_CHECKING:
    from models import Customer, CustomerNote


async def create_customer(
    context: Context,
    profile: dict[str, Any],
    tags: list[str],
    external_ids: list[tuple[str, str]],
    attributes: list[tuple[str, Any]],
    referral_code: str | None = None,
) -> MutationResult[Customer]:
    brand = context.require_brand()
    actor = context.actor

    async def attribute(customer: Customer) -> object:
        return await referrals.attribute(actor, customer, referral_code or "")

    hook = attribute if referral_code and referral_code.strip() else None
    return await run(
        customers.create_customer(
            actor, brand, profile, tags, external_ids, attributes, on_created=hook
        )
    )


async def update_customer(
    context: Context,
    global_id: str,
    changes: dict[str, Any],
    external_ids: list[tuple[str, str]],
    attributes: list[tuple[str, Any]],
) -> MutationResult[Customer]:
    async def operation() -> Customer:
        pk = decode_or_error(global_id, "Customer", "id")
        brand = context.require_brand()
        return await customers.update_customer(
            context.actor, brand, pk, changes, external_ids, attributes
        )

    return await run(operation())


async def add_note(context: Context, customer_id: str, body: str) -> MutationResult[CustomerNote]:
    async def operation() -> CustomerNote:
        pk = decode_or_error(customer_id, "Customer", "customerId")
        return await customers.add_note(context.actor, pk, body)

    return await run(operation())


async def tag_customers(
    context: Context, customer_ids: list[str], add: list[str], remove: list[str]
) -> MutationResult[list[Customer]]:
    async def operation() -> list[Customer]:
        pks = [decode_or_error(gid, "Customer", "customerIds") for gid in customer_ids]
        return await customers.tag_customers(context.actor, pks, add, remove)

    return await run(operation())


async def merge_customers(
    context: Context, source_id: str, target_id: str
) -> MutationResult[Customer]:
    async def operation() -> Customer:
        source = decode_or_error(source_id, "Customer", "sourceId")
        target = decode_or_error(target_id, "Customer", "targetId")
        return await customers.merge_customers(context.actor, source, target)

    return await run(operation())


async def delete_customer(context: Context, global_id: str) -> MutationResult[str]:
    async def operation() -> str:
        pk = decode_or_error(global_id, "Customer", "id")
        await customers.delete_customer(context.actor, pk)
        return global_id

    return await run(operation())


async def upsert_customer(context: Context, given: UpsertInput) -> MutationResult[UpsertResult]:
    return await run(upsert.upsert_customer(context.actor, context.require_brand(), given))


async def candidates(context: Context, errors: list[FieldError]) -> list[Customer]:
    """The customers named by POSSIBLE_DUPLICATE errors, in their order."""
    ids = [
        int(e.related_id)
        for e in errors
        if e.code == ErrorCode.POSSIBLE_DUPLICATE and e.related_id and e.related_id.isdigit()
    ]
    if not ids:
        return []
    found = {c.id: c for c in await reads.customers_by_id(context.require_brand().id, ids)}
    return [found[i] for i in ids if i in found]
