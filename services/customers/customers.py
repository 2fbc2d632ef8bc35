"""Customer profiles: create, update, notes, tags, merge, erasure (cleaning: cleaning.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from events.outbox import emit
from models import Brand, Customer, CustomerExternalId, CustomerNote, CustomerTag
from services.attributes import values as attribute_values
from services.common import audit
from services.common.actor import Actor
from services.common.errors import DomainError, ErrorCode, ErrorCollector
from services.customers import creation
from services.customers.cleaning import (
    MAX_NOTE_LENGTH,
    PROFILE_FIELDS,
    clean_external_ids,
    clean_new,
    clean_profile,
    clean_tags,
)
from services.customers.uniqueness import (
    check_external_ids,
    check_unique,
    external_id_errors,
    unique_errors,
)
from services.privacy import consents, erasure, sealing

# Later domains (purchases, points, coupons...) register how to move their rows on merge.
MergeHook = Callable[[Actor, Customer, Customer], Awaitable[None]]
MERGE_HOOKS: list[MergeHook] = [consents.merge_consents]


async def _set_external_ids(customer: Customer, ids: dict[str, str]) -> None:
    for system, external_id in ids.items():
        await CustomerExternalId.filter(customer_id=customer.id, system=system).delete()
        await CustomerExternalId.create(
            brand_id=customer.brand_id,
            customer_id=customer.id,
            system=system,
            external_id=external_id,
        )


async def create_customer(
    actor: Actor,
    brand: Brand,
    profile: dict[str, Any],
    tags: list[str] | None = None,
    external_ids: list[tuple[str, str]] | None = None,
    attributes: list[tuple[str, Any]] | None = None,
    *,
    lenient_attributes: bool = False,
    on_created: Callable[[Customer], Awaitable[object]] | None = None,
) -> Customer:
    """Every problem of the input is reported at once: field values, duplicates of phone, email
    and external ids, custom attributes (unknown, wrong type, required ones missing).
    `on_created` runs inside the creation's transaction (e.g. a referral's attribution): its
    refusal undoes the creation."""
    errors = ErrorCollector()
    definitions = await attribute_values.definitions(brand.id)
    new = clean_new(
        brand,
        profile,
        tags or [],
        external_ids or [],
        attributes or [],
        definitions,
        errors,
        lenient_attributes=lenient_attributes,
    )
    values, ids = new.values, new.ids
    sealed = await sealing.encrypts(brand.id)
    found = await creation.holders(
        brand.id,
        [values.get("phone")],
        [values.get("email")],
        list(ids.items()),
        sealed,
        external_holders=False,
    )
    errors.errors.extend(creation.duplicate_errors(found, values, ids, exclude_id=None))
    errors.raise_if_any()
    try:
        async with in_transaction():
            customer = (await creation.insert_customers(actor, brand, [new], sealed))[0]
            if on_created is not None:
                await on_created(customer)
    except IntegrityError:
        # A concurrent request won the race for the same phone, email or external id.
        await check_unique(brand.id, values, exclude_id=None, sealed=sealed)
        await check_external_ids(brand.id, ids, exclude_id=None)
        raise
    return customer


async def get_customer(brand_id: int, customer_id: int) -> Customer | None:
    return await Customer.get_or_none(brand_id=brand_id, id=customer_id)


async def _require(brand_id: int, customer_id: int, field: str = "id") -> Customer:
    customer = await Customer.select_for_update().get_or_none(
        brand_id=brand_id, id=customer_id, erased_at=None
    )
    if customer is None:
        raise DomainError.single(field, ErrorCode.NOT_FOUND, "customer not found")
    return customer


def pending_changes(
    customer: Customer,
    values: dict[str, Any],
    ids: dict[str, str],
    tags: list[str],
    ids_held: set[tuple[str, str]],
    tags_held: set[str],
) -> tuple[list[str], dict[str, str], list[str]]:
    """What an update with these cleaned fields would change: (the profile fields, the
    external ids it does not hold yet, the tags it does not have yet)."""
    changed = sorted(k for k, v in values.items() if getattr(customer, k) != v)
    new_ids = {s: e for s, e in ids.items() if (s, e) not in ids_held}
    new_tags = [t for t in tags if t not in tags_held]
    return changed, new_ids, new_tags


async def update_customer(
    actor: Actor,
    brand: Brand,
    customer_id: int,
    changes: dict[str, Any],
    external_ids: list[tuple[str, str]] | None = None,
    attributes: list[tuple[str, Any]] | None = None,
    *,
    add_tags: list[str] | None = None,
    skip_unchanged: bool = False,
    lenient_attributes: bool = False,
) -> Customer:
    """`skip_unchanged`: an update that changes nothing writes nothing (no audit row, no event),
    so a retried upsert is a no-op."""
    errors = ErrorCollector()
    values = clean_profile(changes, brand, errors)
    ids = clean_external_ids(external_ids or [], errors)
    tag_list = clean_tags(add_tags or [], "tags", errors)
    definitions = await attribute_values.definitions(brand.id) if attributes else {}
    attrs = attribute_values.clean_values(
        definitions, attributes or [], errors, lenient=lenient_attributes
    )
    errors.raise_if_any()
    sealed = await sealing.encrypts(brand.id)
    try:
        async with in_transaction():
            customer = await _require(brand.id, customer_id)
            found = await unique_errors(brand.id, values, exclude_id=customer.id, sealed=sealed)
            found += await external_id_errors(brand.id, ids, exclude_id=customer.id)
            if found:
                raise DomainError(found)
            held = await CustomerExternalId.filter(customer_id=customer.id).values_list(
                "system", "external_id"
            )
            tags_held = {
                str(tag)
                for tag in await CustomerTag.filter(customer_id=customer.id).values_list(
                    "tag", flat=True
                )
            }
            changed, new_ids, new_tags = pending_changes(
                customer, values, ids, tag_list, set(held), tags_held
            )
            for key, value in sealing.contact_values(values, sealed).items():
                setattr(customer, key, value)
            keys = await attribute_values.write_values(brand.id, customer.id, attrs)
            if skip_unchanged and not (changed or new_ids or new_tags or keys):
                return customer
            await customer.save()
            if "marketing_consent" in changed:
                await consents.follow_profile_flag(actor, customer)
            await _set_external_ids(customer, new_ids if skip_unchanged else ids)
            await CustomerTag.bulk_create(
                [CustomerTag(brand_id=brand.id, customer_id=customer.id, tag=t) for t in new_tags]
            )
            details: dict[str, Any] = {"fields": changed, "externalIds": sorted(ids)}
            if keys:
                details["attributes"] = keys
            if new_tags:
                details["tags"] = new_tags
            await audit.record(actor, "updateCustomer", "Customer", customer.id, details)
            await emit(
                actor,
                "customer.updated",
                customer_id=customer.id,
                subject=("Customer", customer.id),
                payload=details,
            )
    except IntegrityError:
        await check_unique(brand.id, values, exclude_id=customer_id, sealed=sealed)
        await check_external_ids(brand.id, ids, exclude_id=customer_id)
        raise
    return customer


async def add_note(actor: Actor, customer_id: int, body: str) -> CustomerNote:
    body = body.strip()
    if not body:
        raise DomainError.single("body", ErrorCode.REQUIRED, "a note needs a body")
    if len(body) > MAX_NOTE_LENGTH:
        raise DomainError.single("body", ErrorCode.TOO_LONG, "the note is too long")
    async with in_transaction():
        customer = await _require(actor.brand_id, customer_id, "customerId")
        note = await CustomerNote.create(
            brand_id=actor.brand_id, customer_id=customer.id, body=body, author=actor.label
        )
        await audit.record(actor, "addCustomerNote", "Customer", customer.id, {"note": note.id})
    return note


async def tag_customers(
    actor: Actor, customer_ids: list[int], add: list[str], remove: list[str]
) -> list[Customer]:
    errors = ErrorCollector()
    add = clean_tags(add, "add", errors)
    remove = clean_tags(remove, "remove", errors)
    if not customer_ids:
        errors.add("customerIds", ErrorCode.REQUIRED, "give at least one customer")
    if len(customer_ids) > 1000:
        errors.add("customerIds", ErrorCode.INVALID, "at most 1000 customers at once")
    if not add and not remove:
        errors.add("add", ErrorCode.REQUIRED, "give tags to add or remove")
    errors.raise_if_any()
    async with in_transaction():
        customers = await Customer.filter(brand_id=actor.brand_id, id__in=customer_ids)
        if len(customers) != len(set(customer_ids)):
            raise DomainError.single("customerIds", ErrorCode.NOT_FOUND, "customer not found")
        if remove:
            await CustomerTag.filter(customer_id__in=customer_ids, tag__in=remove).delete()
        existing = set(
            await CustomerTag.filter(customer_id__in=customer_ids, tag__in=add).values_list(
                "customer_id", "tag"
            )
        )
        await CustomerTag.bulk_create(
            [
                CustomerTag(brand_id=actor.brand_id, customer_id=c.id, tag=tag)
                for c in customers
                for tag in add
                if (c.id, tag) not in existing
            ]
        )
        details = {"add": add, "remove": remove}
        await audit.record_many(
            actor, "tagCustomers", "Customer", [c.id for c in customers], details
        )
        for customer in customers:
            await emit(
                actor,
                "customer.updated",
                customer_id=customer.id,
                subject=("Customer", customer.id),
                payload={"fields": ["tags"], **details},
            )
    order = {cid: i for i, cid in enumerate(customer_ids)}
    return sorted(customers, key=lambda c: order[c.id])


async def merge_customers(actor: Actor, source_id: int, target_id: int) -> Customer:
    """Move everything of the source onto the target, fill the target's gaps, delete the source."""
    if source_id == target_id:
        raise DomainError.single(
            "sourceId", ErrorCode.INVALID, "cannot merge a customer into itself"
        )
    async with in_transaction():
        locked = {}
        for cid in sorted((source_id, target_id)):  # fixed lock order: no deadlock
            field = "sourceId" if cid == source_id else "targetId"
            locked[cid] = await _require(actor.brand_id, cid, field)
        source, target = locked[source_id], locked[target_id]

        target_tags = set(
            await CustomerTag.filter(customer_id=target.id).values_list("tag", flat=True)
        )
        await CustomerTag.filter(customer_id=source.id, tag__in=list(target_tags)).delete()
        await CustomerTag.filter(customer_id=source.id).update(customer_id=target.id)

        target_systems = await CustomerExternalId.filter(customer_id=target.id).values_list(
            "system", flat=True
        )
        dropped = await CustomerExternalId.filter(
            customer_id=source.id, system__in=list(target_systems)
        ).values_list("system", "external_id")
        await CustomerExternalId.filter(
            customer_id=source.id, system__in=list(target_systems)
        ).delete()
        await CustomerExternalId.filter(customer_id=source.id).update(customer_id=target.id)
        await CustomerNote.filter(customer_id=source.id).update(customer_id=target.id)
        for hook in MERGE_HOOKS:
            await hook(actor, source, target)

        filled = [
            f
            for f in PROFILE_FIELDS
            if getattr(target, f) in (None, "", "UNKNOWN")
            and getattr(source, f) not in (None, "", "UNKNOWN")
        ]
        filled_values = {f: getattr(source, f) for f in filled}
        for contact in ("phone", "email"):  # a sealed value moves with its lookup hash
            if contact in filled:
                filled_values[f"{contact}_hash"] = getattr(source, f"{contact}_hash")
        target.marketing_consent = target.marketing_consent or source.marketing_consent
        if source.created_at < target.created_at:
            target.created_at = source.created_at
        await source.delete()
        for key, value in filled_values.items():
            setattr(target, key, value)
        await target.save()
        details = {  # field and system names only: no personal value in the audit log
            "source": source_id,
            "filled": filled,
            "dropped_external_id_systems": sorted({system for system, _ in dropped}),
        }
        await audit.record(actor, "mergeCustomers", "Customer", target.id, details)
        await emit(
            actor,
            "customer.merged",
            customer_id=target.id,
            subject=("Customer", target.id),
            payload={"sourceId": source_id, "targetId": target.id, "filled": filled},
        )
    return target


async def delete_customer(actor: Actor, customer_id: int) -> None:
    """Erase the customer on request: personal data goes, what accounting needs stays
    (services/privacy/erasure.py, docs/privacy.md); the audit row remains."""
    await erasure.erase_customer(actor, customer_id)
