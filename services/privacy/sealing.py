"""Phone and email encrypted at rest for a brand that opts in (models/sealed.py, docs/privacy.md).

What the services write for such a brand: the sealed value and its keyed lookup hash. Reads
open it (the column does), lookups compare hashes of the normalised value, and both forms are
looked for while a brand's rows are being converted (by the `reseal_contacts` job).
"""

from __future__ import annotations

from typing import Any

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from models import Customer
from models.privacy import PrivacySettings
from models.sealed import KEYRING, key_id, lookup_hash, seal
from services.common import audit
from services.common.actor import Actor
from services.common.errors import DomainError, ErrorCode

CONTACTS = ("phone", "email")
BATCH = 500


async def encrypts(brand_id: int) -> bool:
    found = await PrivacySettings.get_or_none(brand_id=brand_id)
    return bool(found and found.encrypt_contacts)


def contact_values(values: dict[str, Any], sealed: bool) -> dict[str, Any]:
    """`values` with each given phone/email sealed (and its hash) when the brand encrypts."""
    out = dict(values)
    for column in CONTACTS:
        if column not in out:
            continue
        plain = out[column]
        if sealed and plain:
            out[column] = seal(str(plain), column)
            out[f"{column}_hash"] = lookup_hash(str(plain), column)
        else:
            out[f"{column}_hash"] = None
    return out


def lookup(column: str, normalised: str, sealed: bool) -> Q:
    """Rows holding this phone or email: by hash when the brand encrypts (and by value, for rows
    not converted yet)."""
    if not sealed:
        return Q(**{column: normalised})
    return Q(**{f"{column}_hash": lookup_hash(normalised, column)}) | Q(**{column: normalised})


async def set_encryption(actor: Actor, enabled: bool) -> PrivacySettings:
    """Opt in or out; the brand's existing rows are converted by the `reseal_contacts` job."""
    if enabled and not KEYRING.ready:
        raise DomainError.single(
            "encryptContacts",
            ErrorCode.ENCRYPTION_UNAVAILABLE,
            "the server has no data keys (CRM_DATA_KEYS, CRM_DATA_KEY_ID, CRM_DATA_LOOKUP_KEY)",
        )
    async with in_transaction():
        row = await PrivacySettings.select_for_update().get_or_none(brand_id=actor.brand_id)
        if row is None:
            row = await PrivacySettings.create(brand_id=actor.brand_id)
        row.encrypt_contacts = enabled
        await row.save(update_fields=["encrypt_contacts", "updated_at"])
        fields = ["encryptContacts"]
        await audit.record(actor, "setPrivacySettings", "Brand", actor.brand_id, {"fields": fields})
    return row


def _wants(customer: Customer, sealed: bool) -> dict[str, Any]:
    """The columns to rewrite so the row matches the brand's choice (and the current key)."""
    changes: dict[str, Any] = {}
    for column in CONTACTS:
        value = getattr(customer, column)
        if value is None:
            continue
        stored_key = key_id(value)
        if sealed and stored_key != KEYRING.current:
            changes.update(contact_values({column: str(value)}, True))
        elif not sealed and stored_key is not None:
            changes.update(contact_values({column: str(value)}, False))
    return changes


async def reseal_batch(brand_id: int, sealed: bool, after_id: int) -> tuple[int, int | None]:
    """Convert the next BATCH customers after `after_id`: (rows rewritten, last id or None when
    the brand is done). Call inside the batch's transaction; run again it rewrites nothing."""
    rows = await Customer.filter(brand_id=brand_id, id__gt=after_id).order_by("id").limit(BATCH)
    if not rows:
        return 0, None
    rewritten = 0
    for customer in rows:
        changes = _wants(customer, sealed)
        if changes:
            await Customer.filter(id=customer.id).update(**changes)
            rewritten += 1
    return rewritten, rows[-1].id
