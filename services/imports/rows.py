"""Imported rows: their cells read as the fields of their kind and checked as the operations
check their input, then written a chunk at a time with the end state of the operations' own
service code row by row (customers: upsert_customers; purchases and balances:
services.imports.batches). A row whose cells cannot be read reports that with every other
problem the operation's own checks find in it."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

import orjson

from models import Brand
from models.attributes import CustomerAttribute
from services.attributes import values as attribute_values
from services.bulk.refs import CustomerRef
from services.common.actor import Actor
from services.common.errors import DomainError, ErrorCode, ErrorCollector, FieldError
from services.customers.cleaning import clean_profile
from services.customers.upsert import UpsertInput, upsert_customers
from services.imports.templates import ATTRIBUTE_PREFIX
from services.loyalty import purchases
from services.loyalty.balance_batch import Credit
from services.loyalty.purchase_batch import PurchaseSpec
from services.loyalty.purchases import ItemSpec
from services.stores import refs as store_refs

TRUE_WORDS = {"true", "yes", "y", "1"}
FALSE_WORDS = {"false", "no", "n", "0"}
TEXT_FIELDS = {
    "name": "name",
    "phone": "phone",
    "email": "email",
    "city": "city",
    "region": "region",
    "address": "address",
    "acquisitionChannel": "acquisition_channel",
}
OPENING_REASON = "opening balance from the previous programme"


@dataclass
class ImportScope:
    """What every row of a chunk shares."""

    actor: Actor
    brand: Brand
    definitions: dict[str, CustomerAttribute]
    zone: ZoneInfo


@dataclass
class Parsed:
    values: dict[str, Any] = field(default_factory=dict)
    errors: ErrorCollector = field(default_factory=ErrorCollector)


def _text(raw: Any) -> str | None:
    if raw is None:
        return None
    text = raw if isinstance(raw, str) else str(raw)
    return text.strip() or None


def _flag(raw: Any, name: str, errors: ErrorCollector) -> bool | None:
    if isinstance(raw, bool):
        return raw
    text = _text(raw)
    if text is None:
        return None
    if text.lower() in TRUE_WORDS | FALSE_WORDS:
        return text.lower() in TRUE_WORDS
    errors.add(name, ErrorCode.INVALID, f"{name} must be true or false")
    return None


def _date(raw: Any, name: str, errors: ErrorCollector) -> date | None:
    text = _text(raw)
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors.add(name, ErrorCode.INVALID, f"{name} must be a date like 1990-03-07")
        return None


def _when(raw: Any, zone: ZoneInfo, errors: ErrorCollector) -> datetime | None:
    text = _text(raw)
    if text is None:
        return None
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(), tzinfo=zone)
        moment = datetime.fromisoformat(text)
    except ValueError:
        errors.add("occurredAt", ErrorCode.INVALID, "occurredAt must be ISO 8601")
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def _money(raw: Any, name: str, errors: ErrorCollector) -> Decimal | None:
    text = _text(raw)
    if text is None:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        errors.add(name, ErrorCode.INVALID, f"{name} must be an amount like 128.00")
        return None
    if not value.is_finite():
        errors.add(name, ErrorCode.INVALID, f"{name} must be an amount like 128.00")
        return None
    return value


def customer_input(row: dict[str, Any], scope: ImportScope) -> tuple[UpsertInput, Parsed]:
    parsed = Parsed()
    errors = parsed.errors
    profile: dict[str, Any] = {}
    for column, key in TEXT_FIELDS.items():
        if (text := _text(row.get(column))) is not None:
            profile[key] = text
    if (gender := _text(row.get("gender"))) is not None:
        profile["gender"] = gender.upper()
    if (birthday := _date(row.get("birthday"), "birthday", errors)) is not None:
        profile["birthday"] = birthday
    if (consent := _flag(row.get("marketingConsent"), "marketingConsent", errors)) is not None:
        profile["marketing_consent"] = consent
    tags_raw = row.get("tags")
    tags = tags_raw if isinstance(tags_raw, list) else (_text(tags_raw) or "").replace(",", ";")
    tag_list = [str(t).strip() for t in (tags if isinstance(tags, list) else tags.split(";"))]
    system, external = _text(row.get("externalSystem")), _text(row.get("externalId"))
    if (system is None) != (external is None):
        errors.add("externalId", ErrorCode.REQUIRED, "give externalSystem and externalId together")
    attributes = tuple(
        (column.removeprefix(ATTRIBUTE_PREFIX), value)
        for column, value in row.items()
        if column.startswith(ATTRIBUTE_PREFIX)
    )
    spec = UpsertInput(
        profile=profile,
        external_id=(system, external) if system and external else None,
        tags=tuple(t for t in tag_list if t),
        attributes=attributes,
    )
    return spec, parsed


async def write_customers(
    fields: Sequence[dict[str, Any]], scope: ImportScope
) -> list[int | DomainError]:
    """A chunk's customer rows upserted together (`upsert_customers`): each row's customer id,
    or its problems (a row whose cells cannot be read also reports the upsert's own checks)."""
    outcomes: list[int | DomainError | None] = [None] * len(fields)
    valid: list[tuple[int, UpsertInput]] = []
    for index, row in enumerate(fields):
        spec, parsed = customer_input(row, scope)
        if parsed.errors.errors:  # report the other problems of the row too
            clean_profile(spec.profile, scope.brand, parsed.errors)
            attribute_values.clean_values(
                scope.definitions, spec.attributes, parsed.errors, lenient=True
            )
            outcomes[index] = DomainError(parsed.errors.errors)
        else:
            valid.append((index, spec))
    done = await upsert_customers(
        scope.actor,
        scope.brand,
        [spec for _, spec in valid],
        lenient_attributes=True,
        definitions=scope.definitions,
    )
    for (index, _), outcome in zip(valid, done, strict=True):
        outcomes[index] = outcome if isinstance(outcome, DomainError) else outcome.customer.id
    return [o for o in outcomes if o is not None]


def customer_ref(row: dict[str, Any]) -> CustomerRef:
    system, external = _text(row.get("customerSystem")), _text(row.get("customerExternalId"))
    if system and external:
        return CustomerRef(external=(system, external))
    given = _text(row.get("customerId"))
    if given is None:
        message = "give customerSystem and customerExternalId, or customerId"
        return CustomerRef(problem=FieldError("customerExternalId", ErrorCode.REQUIRED, message))
    if given.isdigit():
        return CustomerRef(pk=int(given))
    try:
        kind, _, pk = base64.b64decode(given, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        kind, pk = "", ""
    if kind != "Customer" or not pk.isdigit():
        problem = FieldError("customerId", ErrorCode.INVALID, f"'{given}' is not a customer id")
        return CustomerRef(problem=problem)
    return CustomerRef(pk=int(pk))


def _items(raw: Any, errors: ErrorCollector) -> list[ItemSpec]:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return []
    try:
        listed = orjson.loads(raw) if isinstance(raw, str) else raw
        if not isinstance(listed, list):
            raise ValueError("not a list")
        return [
            ItemSpec(
                str(item.get("sku") or ""),
                str(item.get("name") or item.get("sku") or ""),
                item.get("category"),
                int(item.get("quantity", 1)),
                Decimal(str(item.get("unitPrice", "0"))),
            )
            for item in listed
        ]
    except (ValueError, TypeError, AttributeError, InvalidOperation, orjson.JSONDecodeError):
        errors.add("items", ErrorCode.INVALID, "items must be a JSON list of {sku, name, ...}")
        return []


def purchase_spec(
    row: dict[str, Any], customer: int | FieldError, scope: ImportScope
) -> PurchaseSpec:
    """A purchase row checked as `record_purchase` checks its input (DomainError with every
    problem of the row)."""
    errors = ErrorCollector()
    if isinstance(customer, FieldError):
        errors.errors.append(customer)
    amount = _money(row.get("amount"), "amount", errors)
    if amount is None and not any(e.field == "amount" for e in errors.errors):
        errors.add("amount", ErrorCode.REQUIRED, "amount is required")
    when = _when(row.get("occurredAt"), scope.zone, errors)
    items = _items(row.get("items"), errors)
    external = _text(row.get("externalId"))
    cleaned = None
    try:
        cleaned = purchases.check_purchase(
            amount if amount is not None else 1, items, when, external
        )
    except DomainError as exc:
        errors.errors.extend(exc.errors)
    errors.raise_if_any()
    assert isinstance(customer, int) and amount is not None and cleaned is not None
    return PurchaseSpec(
        customer,
        cleaned[0],
        items,
        store_refs.from_text(_text(row.get("storeId"))),
        _text(row.get("channel")),
        cleaned[1],
        external.strip() if external else None,
    )


def balance_credit(row: dict[str, Any], customer: int | FieldError) -> Credit | None:
    """One opening transaction per member: an ADJUST lot (source `import`, the brand's expiry)
    whose idempotency key names the member, so a second import of the same balance changes
    nothing and a different one is refused; None for a balance of zero (nothing to write)."""
    errors = ErrorCollector()
    if isinstance(customer, FieldError):
        errors.errors.append(customer)
    text = _text(row.get("points"))
    amount = int(text) if text is not None and text.isdigit() else None
    if amount is None:
        errors.add("points", ErrorCode.INVALID, "points must be a whole number >= 0")
    errors.raise_if_any()
    assert isinstance(customer, int) and amount is not None
    if amount == 0:
        return None
    reason = _text(row.get("reason")) or OPENING_REASON
    return Credit(customer, amount, reason, f"opening-balance:{customer}", "import")


def balance_problem(exc: DomainError) -> DomainError:
    """An opening balance refused by its key: the member has a different one already."""
    if any(e.code == ErrorCode.IDEMPOTENCY_KEY_REUSED for e in exc.errors):
        return DomainError.single(
            "points", ErrorCode.CONFLICT, "this member has another opening balance already"
        )
    return exc
