"""Customers created together: who already holds a set of phones, emails and external ids,
and the set-based writes of new customers (one multi-row statement per table: customers,
tags, external ids, attribute values, audit rows, events). `create_customer` and the upsert
call these with one customer, an import's chunk with many: one implementation of the rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from events.outbox import emit_many
from models import Brand, Customer, CustomerExternalId, CustomerTag, rows
from models.sealed import lookup_hash
from services.attributes import values as attribute_values
from services.attributes.values import AttributeValue
from services.common import audit
from services.common.actor import Actor
from services.common.errors import ErrorCode, FieldError
from services.privacy import sealing

# The columns of a new customer not given: the model's defaults.
DEFAULTS: dict[str, Any] = {
    "phone": None,
    "email": None,
    "phone_hash": None,
    "email_hash": None,
    "gender": "UNKNOWN",
    "birthday": None,
    "city": None,
    "region": None,
    "address": None,
    "acquisition_channel": None,
    "marketing_consent": False,
    "erased_at": None,
}


@dataclass
class NewCustomer:
    """A customer to create, its input cleaned and checked."""

    values: dict[str, Any]
    tags: list[str] = field(default_factory=list)
    ids: dict[str, str] = field(default_factory=dict)
    attributes: Sequence[AttributeValue] = ()


@dataclass
class Holders:
    """The customers of a brand holding given phones, emails and external ids (erased ones
    included: a phone or email they still hold is taken)."""

    phones: dict[str, list[Customer]] = field(default_factory=dict)
    emails: dict[str, list[Customer]] = field(default_factory=dict)
    external: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    customers: dict[int, Customer] = field(default_factory=dict)

    def of(self, key: str, value: str) -> list[Customer]:
        return (self.phones if key == "phone" else self.emails).get(value, [])


async def _contact_holders(
    brand_id: int, key: str, values: set[str], sealed: bool
) -> dict[str, list[Customer]]:
    if not values:
        return {}
    listed = await rows.fetch_by_values(Customer, brand_id, (key,), [(v,) for v in values])
    if sealed:  # by hash too, as `sealing.lookup` does
        hashes = [(lookup_hash(v, key),) for v in values]
        listed += await rows.fetch_by_values(Customer, brand_id, (f"{key}_hash",), hashes)
    found: dict[str, list[Customer]] = {}
    for customer in sorted({c.id: c for c in listed}.values(), key=lambda c: c.id):
        held = getattr(customer, key)
        if held is not None and str(held) in values:
            found.setdefault(str(held), []).append(customer)
    return found


async def holders(
    brand_id: int,
    phones: Iterable[str | None],
    emails: Iterable[str | None],
    pairs: Iterable[tuple[str, str]],
    sealed: bool,
    *,
    external_holders: bool = True,
) -> Holders:
    """At most four statements whatever the number of values; `external_holders`: read the
    customers holding the external ids too (in `customers`)."""
    found = Holders()
    found.phones = await _contact_holders(brand_id, "phone", {p for p in phones if p}, sealed)
    found.emails = await _contact_holders(brand_id, "email", {e for e in emails if e}, sealed)
    wanted = set(pairs)
    if wanted:
        columns = ("system", "external_id")
        for row in await rows.fetch_by_values(CustomerExternalId, brand_id, columns, list(wanted)):
            found.external.setdefault((row.system, row.external_id), []).append(row.customer_id)
    for listed_customers in (*found.phones.values(), *found.emails.values()):
        found.customers.update({c.id: c for c in listed_customers})
    missing = {i for ids in found.external.values() for i in ids} - set(found.customers)
    if missing and external_holders:
        for customer in await rows.fetch_in_brand(Customer, brand_id, "id", sorted(missing)):
            found.customers[customer.id] = customer
    return found


def duplicate_errors(
    found: Holders, values: dict[str, Any], ids: dict[str, str], exclude_id: int | None
) -> list[FieldError]:
    """A phone, email or external id another customer of the brand holds."""
    errors: list[FieldError] = []
    for key in ("phone", "email"):
        if values.get(key) is None:
            continue
        others = [c for c in found.of(key, str(values[key])) if c.id != exclude_id]
        if others:
            existing = others[0]
            errors.append(
                FieldError(
                    key,
                    ErrorCode.DUPLICATE,
                    f"customer {existing.id} ({existing.name}) already has this {key}",
                    related_id=str(existing.id),
                )
            )
    for system, external_id in ids.items():
        held = [i for i in found.external.get((system, external_id), []) if i != exclude_id]
        if held:
            errors.append(
                FieldError(
                    "externalIds",
                    ErrorCode.DUPLICATE,
                    f"customer {held[0]} already has {system} id '{external_id}'",
                    related_id=str(held[0]),
                )
            )
    return errors


def _customer_row(brand_id: int, new: NewCustomer, sealed: bool, now: datetime) -> dict[str, Any]:
    stored = sealing.contact_values(new.values, sealed)
    return {
        "brand_id": brand_id,
        **DEFAULTS,
        **stored,
        "created_at": now,
        "updated_at": now,
    }


async def _insert_rows(given: list[dict[str, Any]]) -> list[Customer]:
    """The customers' rows, as instances: ids taken from the sequence then one multi-row
    INSERT on PostgreSQL; one INSERT ... RETURNING a row on SQLite (no round trips there)."""
    encoded = [  # a sealed value as its ciphertext
        {**row, **{c: rows.db_value(Customer, c, row[c]) for c in sealing.CONTACTS if row[c]}}
        for row in given
    ]
    ids = await rows.next_ids(Customer, len(encoded))
    if ids is None:
        return [await rows.insert(Customer, row) for row in encoded]
    with_ids = [{"id": i, **row} for i, row in zip(ids, encoded, strict=True)]
    await rows.insert_many(Customer, with_ids)
    return [rows.model_from_row(Customer, row) for row in with_ids]


async def insert_customers(
    actor: Actor, brand: Brand, new: Sequence[NewCustomer], sealed: bool
) -> list[Customer]:
    """Create checked customers inside the caller's transaction: each audited as
    `createCustomer` and announced by `customer.created`, as a single creation is."""
    if not new:
        return []
    now = datetime.now(UTC)
    created = await _insert_rows([_customer_row(brand.id, n, sealed, now) for n in new])
    pairs = list(zip(created, new, strict=True))
    await rows.insert_many(
        CustomerTag,
        [{"brand_id": brand.id, "customer_id": c.id, "tag": t} for c, n in pairs for t in n.tags],
    )
    await rows.insert_many(
        CustomerExternalId,
        [
            {"brand_id": brand.id, "customer_id": c.id, "system": s, "external_id": e}
            for c, n in pairs
            for s, e in n.ids.items()
        ],
    )
    keys = await attribute_values.insert_new_values(
        brand.id, [(c.id, n.attributes) for c, n in pairs]
    )
    await audit.record_rows(
        actor,
        "createCustomer",
        "Customer",
        [(c.id, {"attributes": k} if k else None) for c, k in zip(created, keys, strict=True)],
    )
    await emit_many(
        actor,
        "customer.created",
        [(c.id, ("Customer", c.id), {"tags": n.tags}) for c, n in pairs],
    )
    return created
