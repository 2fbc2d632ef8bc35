"""Defining a brand's customer attributes (audited) and reading the definitions."""

from __future__ import annotations

import re
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from models.attributes import TYPES, CustomerAttribute, CustomerAttributeValue
from services.attributes import merge
from services.common import audit
from services.common.actor import Actor
from services.common.errors import DomainError, ErrorCode, ErrorCollector

KEY = re.compile(r"[A-Za-z][A-Za-z0-9]{0,63}")
MAX_ATTRIBUTES = 100
MAX_OPTIONS = 100
MAX_OPTION = 100
MAX_LABEL = 200

merge.register()


def _clean(values: dict[str, Any], errors: ErrorCollector) -> dict[str, Any]:
    key = str(values.get("key") or "").strip()
    if not KEY.fullmatch(key):
        errors.add("key", ErrorCode.INVALID, "a key is 1-64 letters and digits, starting a letter")
    label = str(values.get("label") or "").strip() or key
    if len(label) > MAX_LABEL:
        errors.add("label", ErrorCode.TOO_LONG, f"the label is longer than {MAX_LABEL}")
    kind = str(values.get("type") or "")
    if kind not in TYPES:
        errors.add("type", ErrorCode.INVALID, f"type must be one of {', '.join(TYPES)}")
    options: list[str] = []
    for option in values.get("options") or []:
        option = str(option).strip()
        if not option or len(option) > MAX_OPTION:
            errors.add("options", ErrorCode.INVALID, f"options are 1-{MAX_OPTION} characters")
        elif option not in options:
            options.append(option)
    if kind == "ENUM" and not options:
        errors.add("options", ErrorCode.REQUIRED, "an ENUM attribute needs its options")
    if kind != "ENUM" and options:
        errors.add("options", ErrorCode.INVALID, "only ENUM attributes have options")
    if len(options) > MAX_OPTIONS:
        errors.add("options", ErrorCode.INVALID, f"at most {MAX_OPTIONS} options")
    return {
        "key": key,
        "label": label,
        "type": kind,
        "options": options,
        "is_pii": bool(values.get("is_pii")),
        "is_required": bool(values.get("is_required")),
    }


async def _check_change(found: CustomerAttribute, cleaned: dict[str, Any]) -> None:
    if found.type != cleaned["type"]:
        raise DomainError.single(
            "type",
            ErrorCode.CONFLICT,
            f"'{found.key}' is a {found.type} attribute; its type cannot change",
        )
    dropped = sorted(set(found.options or []) - set(cleaned["options"]))
    if dropped:
        used = await CustomerAttributeValue.filter(
            attribute_id=found.id, value_text__in=dropped
        ).exists()
        if used:
            raise DomainError.single(
                "options",
                ErrorCode.CONFLICT,
                f"customers hold the options {dropped} of '{found.key}'",
            )


async def define_attribute(actor: Actor, values: dict[str, Any]) -> CustomerAttribute:
    """Create the attribute, or change its label, options, PII and required flags (its type is
    fixed once defined). Audited: the details say what changed."""
    errors = ErrorCollector()
    cleaned = _clean(values, errors)
    errors.raise_if_any()
    try:
        async with in_transaction():
            found = (
                await CustomerAttribute.select_for_update()
                .filter(brand_id=actor.brand_id, key=cleaned["key"])
                .first()
            )
            if found is None:
                count = await CustomerAttribute.filter(brand_id=actor.brand_id).count()
                if count >= MAX_ATTRIBUTES:
                    raise DomainError.single(
                        "key", ErrorCode.INVALID, f"a brand has at most {MAX_ATTRIBUTES} attributes"
                    )
                found = await CustomerAttribute.create(brand_id=actor.brand_id, **cleaned)
                changed = sorted(cleaned)
                operation = "defineCustomerAttribute"
            else:
                await _check_change(found, cleaned)
                changed = sorted(k for k, v in cleaned.items() if getattr(found, k) != v)
                for key, value in cleaned.items():
                    setattr(found, key, value)
                await found.save()
                operation = "redefineCustomerAttribute"
            details = {"key": found.key, "changed": changed}
            await audit.record(actor, operation, "CustomerAttribute", found.id, details)
    except IntegrityError as exc:  # defined concurrently: the caller may retry
        raise DomainError.single("key", ErrorCode.CONFLICT, "defined concurrently") from exc
    return found


async def list_attributes(brand_id: int) -> list[CustomerAttribute]:
    return await CustomerAttribute.filter(brand_id=brand_id).order_by("key")
