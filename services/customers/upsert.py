"""Create or update: match a customer by the partner's external id, then by normalised phone
or email; never a silent second record.

- The external id (the calling partner system's id for the customer) names the customer it
  belongs to; a phone or email of the input held by someone else is then ambiguous.
- Without an external id match: the customer holding the phone, or the email, or both when
  they are the same customer. Two different customers: ambiguous.
- Ambiguous: POSSIBLE_DUPLICATE, one error per candidate (its id in `related_id`), nothing
  written. No match: a new customer. Else the match is updated with the fields given (an
  update that changes nothing writes nothing, so a retry is a no-op).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from models import Brand, Customer, CustomerExternalId, CustomerTag, rows
from models.attributes import CustomerAttribute, CustomerAttributeValue
from services.attributes import values as attribute_values
from services.common import audit
from services.common.actor import Actor
from services.common.errors import DomainError, ErrorCode, ErrorCollector, FieldError
from services.customers import cleaning, creation, customers
from services.customers.creation import Holders, NewCustomer
from services.customers.normalize import InvalidValue, normalize_email, normalize_phone
from services.privacy import sealing

CREATED, UPDATED = "CREATED", "UPDATED"


@dataclass(frozen=True)
class UpsertResult:
    customer: Customer
    outcome: str  # CREATED or UPDATED


@dataclass(frozen=True)
class UpsertInput:
    profile: dict[str, Any]  # the fields given (absent ones are left alone on update)
    external_id: tuple[str, str] | None = None  # (system, id): the calling partner's key
    external_ids: tuple[tuple[str, str], ...] = ()
    tags: tuple[str, ...] = ()
    attributes: tuple[tuple[str, Any], ...] = ()


def _normalised(brand: Brand, profile: dict[str, Any], key: str) -> str | None:
    raw = profile.get(key)
    if not isinstance(raw, str) or not raw.strip():
        return None
    try:
        if key == "phone":
            return normalize_phone(raw, brand.phone_region)
        return normalize_email(raw)
    except InvalidValue:
        return None  # the create or update reports it


def _keys(brand: Brand, given: UpsertInput) -> set[tuple[str, ...]]:
    """What a row is matched or checked by: its phone, email and external ids."""
    keys: set[tuple[str, ...]] = set()
    for key in ("phone", "email"):
        if (value := _normalised(brand, given.profile, key)) is not None:
            keys.add((key, value))
    for system, external_id in _external_ids(given):
        keys.add(("id", system.strip(), external_id.strip()))
    return keys


def _external_ids(given: UpsertInput) -> list[tuple[str, str]]:
    ids = list(given.external_ids)
    if given.external_id is not None and given.external_id[0] not in {s for s, _ in ids}:
        ids.append(given.external_id)
    return ids


async def _holders(brand: Brand, given: Sequence[UpsertInput], sealed: bool) -> Holders:
    pairs = [(s.strip(), e.strip()) for row in given for s, e in _external_ids(row)]
    return await creation.holders(
        brand.id,
        [_normalised(brand, row.profile, "phone") for row in given],
        [_normalised(brand, row.profile, "email") for row in given],
        pairs,
        sealed,
    )


def match(
    brand: Brand, given: UpsertInput, held: Holders
) -> tuple[Customer | None, list[Customer]]:
    """(the customer to update or None to create, ambiguous candidates)."""
    by_id = None
    if given.external_id is not None:
        system, external_id = (part.strip() for part in given.external_id)
        for holder in held.external.get((system, external_id), [])[:1]:
            customer = held.customers.get(holder)
            by_id = customer if customer is not None and customer.erased_at is None else None
    found: dict[int, Customer] = {}
    for key in ("phone", "email"):
        value = _normalised(brand, given.profile, key)
        if value is not None:
            live = [c for c in held.of(key, value) if c.erased_at is None]
            if live:
                found[live[0].id] = live[0]
    if by_id is not None:
        others = [c for c in found.values() if c.id != by_id.id]
        return (None, [by_id, *others]) if others else (by_id, [])
    if len(found) > 1:
        return None, sorted(found.values(), key=lambda c: c.id)
    return (next(iter(found.values())) if found else None), []


def _ambiguous(candidates: list[Customer]) -> DomainError:
    return DomainError(
        [
            FieldError(
                None,
                ErrorCode.POSSIBLE_DUPLICATE,
                f"matches customer {c.id} ({c.name}) too: several customers fit this input",
                related_id=str(c.id),
            )
            for c in candidates
        ]
    )


async def upsert_customer(
    actor: Actor, brand: Brand, given: UpsertInput, *, lenient_attributes: bool = False
) -> UpsertResult:
    """Audited as `upsertCustomer` (beside the create's or update's own row) when it wrote."""
    for attempt in range(2):
        try:
            outcome = (
                await upsert_customers(actor, brand, [given], lenient_attributes=lenient_attributes)
            )[0]
        except IntegrityError:
            if attempt:  # a concurrent twin created it: match again, once
                raise
            continue
        if isinstance(outcome, DomainError):
            raise outcome
        return outcome
    raise AssertionError("unreachable")


Outcome = UpsertResult | DomainError


def _wave(brand: Brand, given: Sequence[UpsertInput], pending: list[int]) -> int:
    """How many of the pending rows can be matched together: up to the first that shares a
    phone, email or external id with an earlier one (it must see that row's write)."""
    seen: set[tuple[str, ...]] = set()
    for taken, index in enumerate(pending):
        keys = _keys(brand, given[index])
        if keys & seen:
            return taken
        seen |= keys
    return len(pending)


async def upsert_customers(
    actor: Actor,
    brand: Brand,
    given: Sequence[UpsertInput],
    *,
    lenient_attributes: bool = False,
    definitions: dict[str, CustomerAttribute] | None = None,
) -> list[Outcome]:
    """`upsert_customer` for many rows, in order, each as if alone: matched together (a few
    statements), the new customers written together (a statement a table); a row that needs
    an earlier row's write (the same phone, email, external id or matched customer) goes in
    the next round. A row's refusal is its DomainError in the answer, nothing written for it."""
    outcomes: dict[int, Outcome] = {}
    if definitions is None:
        definitions = await attribute_values.definitions(brand.id)
    sealed = await sealing.encrypts(brand.id)
    pending = list(range(len(given)))
    while pending:
        wave = pending[: max(1, _wave(brand, given, pending))]
        rows_given = [given[i] for i in wave]
        done = await _upsert_wave(
            actor, brand, rows_given, sealed, definitions, lenient_attributes, len(given) == 1
        )
        for index, outcome in zip(wave, done, strict=False):
            outcomes[index] = outcome
        pending = pending[len(done) :]
    return [outcomes[i] for i in range(len(given))]


async def _upsert_wave(
    actor: Actor,
    brand: Brand,
    given: list[UpsertInput],
    sealed: bool,
    definitions: dict[str, CustomerAttribute],
    lenient: bool,
    single: bool,
) -> list[Outcome]:
    """The outcomes of the first rows of `given` (all unless two match the same customer).
    `single`: the caller's only row, whose race (IntegrityError) the caller retries."""
    held = await _holders(brand, given, sealed)
    outcomes: list[Outcome | None] = []
    creating: list[tuple[int, NewCustomer]] = []
    updating: list[tuple[int, Customer]] = []
    targets: set[int] = set()
    for index, row in enumerate(given):
        target, candidates = match(brand, row, held)
        if target is not None and target.id in targets:
            break  # updates the customer an earlier row updates: next round
        if candidates:
            outcomes.append(_ambiguous(candidates))
            continue
        outcomes.append(None)
        if target is not None:
            targets.add(target.id)
            updating.append((index, target))
            continue
        errors = ErrorCollector()
        new = cleaning.clean_new(
            brand,
            row.profile,
            list(row.tags),
            _external_ids(row),
            list(row.attributes),
            definitions,
            errors,
            lenient_attributes=lenient,
        )
        errors.errors.extend(creation.duplicate_errors(held, new.values, new.ids, None))
        if errors.errors:
            outcomes[index] = DomainError(errors.errors)
        else:
            creating.append((index, new))
    if creating:
        await _create(actor, brand, given, creating, sealed, lenient, single, outcomes)
    unchanged = await _unchanged(brand, given, updating, held, definitions, lenient)
    for index, target in updating:
        if index in unchanged:  # what update_customer answers when nothing changes
            outcomes[index] = UpsertResult(target, UPDATED)
        else:
            outcomes[index] = await _update(actor, brand, given[index], target, lenient, single)
    assert all(o is not None for o in outcomes)
    return [o for o in outcomes if o is not None]


async def _unchanged(
    brand: Brand,
    given: list[UpsertInput],
    updating: list[tuple[int, Customer]],
    held: Holders,
    definitions: dict[str, CustomerAttribute],
    lenient: bool,
) -> set[int]:
    """The rows whose update would change nothing (so write nothing), found with three reads
    for all of them: the matched customers' external ids, tags and attribute values. A row with
    a problem is not among them (its update reports it)."""
    if not updating:
        return set()
    targets = sorted({t.id for _, t in updating})
    ids_held: dict[int, set[tuple[str, str]]] = defaultdict(set)
    for held_id in await rows.fetch_in_brand(CustomerExternalId, brand.id, "customer_id", targets):
        ids_held[held_id.customer_id].add((held_id.system, held_id.external_id))
    tags_held: dict[int, set[str]] = defaultdict(set)
    for tag in await rows.fetch_in_brand(CustomerTag, brand.id, "customer_id", targets):
        tags_held[tag.customer_id].add(tag.tag)
    values_held: dict[int, dict[int, CustomerAttributeValue]] = defaultdict(dict)
    if any(given[i].attributes for i, _ in updating):
        for value in await rows.fetch_in_brand(
            CustomerAttributeValue, brand.id, "customer_id", targets
        ):
            values_held[value.customer_id][value.attribute_id] = value
    found: set[int] = set()
    for index, target in updating:
        row, errors = given[index], ErrorCollector()
        values = cleaning.clean_profile(row.profile, brand, errors)
        ids = cleaning.clean_external_ids(_external_ids(row), errors)
        tags = cleaning.clean_tags(list(row.tags), "tags", errors)
        attrs = attribute_values.clean_values(
            definitions, list(row.attributes), errors, lenient=lenient
        )
        if errors.errors or creation.duplicate_errors(held, values, ids, target.id):
            continue
        changes = customers.pending_changes(
            target, values, ids, tags, ids_held[target.id], tags_held[target.id]
        )
        if not any(changes) and not attribute_values.value_changes(attrs, values_held[target.id]):
            found.add(index)
    return found


async def _create(
    actor: Actor,
    brand: Brand,
    given: list[UpsertInput],
    creating: list[tuple[int, NewCustomer]],
    sealed: bool,
    lenient: bool,
    single: bool,
    outcomes: list[Outcome | None],
) -> None:
    try:
        async with in_transaction():
            made = await creation.insert_customers(actor, brand, [n for _, n in creating], sealed)
            details = {"outcome": CREATED}
            await audit.record_rows(
                actor, "upsertCustomer", "Customer", [(c.id, details) for c in made]
            )
    except IntegrityError:
        if single:
            raise  # a concurrent twin: the caller matches again
        for index, _ in creating:  # which row raced: each alone
            outcomes[index] = await _alone(actor, brand, given[index], lenient)
        return
    for (index, _), customer in zip(creating, made, strict=True):
        outcomes[index] = UpsertResult(customer, CREATED)


async def _alone(actor: Actor, brand: Brand, given: UpsertInput, lenient: bool) -> Outcome:
    try:
        return await upsert_customer(actor, brand, given, lenient_attributes=lenient)
    except DomainError as exc:
        return exc
    except IntegrityError:  # raced twice: the row fails, the others stand
        return DomainError.single(None, ErrorCode.CONFLICT, "a concurrent change conflicts")


async def _update(
    actor: Actor, brand: Brand, given: UpsertInput, target: Customer, lenient: bool, single: bool
) -> Outcome:
    """The matched customer updated with the fields given (nothing written when nothing
    changes, so a retry is a no-op)."""
    try:
        async with in_transaction():
            before = audit.rows_written()
            updated = await customers.update_customer(
                actor,
                brand,
                target.id,
                given.profile,
                _external_ids(given),
                list(given.attributes),
                add_tags=list(given.tags),
                skip_unchanged=True,
                lenient_attributes=lenient,
            )
            if audit.rows_written() > before:
                details = {"outcome": UPDATED}
                await audit.record(actor, "upsertCustomer", "Customer", updated.id, details)
    except DomainError as exc:
        return exc
    except IntegrityError:
        if single:
            raise  # a concurrent change: the caller matches again
        return await _alone(actor, brand, given, lenient)
    return UpsertResult(updated, UPDATED)
