"""Cleaning a customer's input: profile fields, tags, external ids, attributes; every problem
added to an ErrorCollector (all of them, not the first)."""

from __future__ import annotations

from datetime import date
from typing import Any

from models import Brand
from models.attributes import CustomerAttribute
from services.attributes import values as attribute_values
from services.common.errors import ErrorCode, ErrorCollector
from services.customers.creation import NewCustomer
from services.customers.normalize import InvalidValue, normalize_email, normalize_phone

GENDERS = ("FEMALE", "MALE", "OTHER", "UNKNOWN")
PROFILE_FIELDS = (
    "name",
    "phone",
    "email",
    "gender",
    "birthday",
    "city",
    "region",
    "address",
    "acquisition_channel",
    "marketing_consent",
)
MAX_LENGTHS = {
    "name": 200,
    "city": 100,
    "region": 100,
    "address": 500,
    "acquisition_channel": 64,
}
MAX_TAG_LENGTH = 64
MAX_NOTE_LENGTH = 10_000


def clean_profile(values: dict[str, Any], brand: Brand, errors: ErrorCollector) -> dict[str, Any]:
    """Validate and normalise the given profile fields; absent keys are left alone."""
    cleaned: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, str):
            value = value.strip() or None
        if key in MAX_LENGTHS and value is not None and len(value) > MAX_LENGTHS[key]:
            errors.add(key, ErrorCode.TOO_LONG, f"{key} is longer than {MAX_LENGTHS[key]}")
            continue
        if key == "name" and value is None:
            errors.add("name", ErrorCode.REQUIRED, "name is required")
            continue
        if key == "phone" and value is not None:
            try:
                value = normalize_phone(value, brand.phone_region)
            except InvalidValue as exc:
                errors.add("phone", ErrorCode.INVALID, str(exc))
                continue
        if key == "email" and value is not None:
            try:
                value = normalize_email(value)
            except InvalidValue as exc:
                errors.add("email", ErrorCode.INVALID, str(exc))
                continue
        if key == "gender":
            value = (value or "UNKNOWN").upper()
            if value not in GENDERS:
                errors.add("gender", ErrorCode.INVALID, f"gender must be one of {GENDERS}")
                continue
        if key == "birthday" and value is not None and value > date.today():
            errors.add("birthday", ErrorCode.INVALID, "birthday is in the future")
            continue
        if key == "marketing_consent":
            value = bool(value)
        cleaned[key] = value
    return cleaned


def clean_tags(tags: list[str], field: str, errors: ErrorCollector) -> list[str]:
    cleaned: list[str] = []
    for tag in tags:
        tag = tag.strip()
        if not tag:
            errors.add(field, ErrorCode.INVALID, "tags must not be empty")
        elif len(tag) > MAX_TAG_LENGTH:
            errors.add(field, ErrorCode.TOO_LONG, f"tag '{tag[:20]}...' is too long")
        elif tag not in cleaned:
            cleaned.append(tag)
    return cleaned


def clean_external_ids(pairs: list[tuple[str, str]], errors: ErrorCollector) -> dict[str, str]:
    cleaned: dict[str, str] = {}
    for system, external_id in pairs:
        system, external_id = system.strip(), external_id.strip()
        if not system or not external_id:
            errors.add("externalIds", ErrorCode.REQUIRED, "system and externalId are required")
        elif len(system) > 64 or len(external_id) > 200:
            errors.add("externalIds", ErrorCode.TOO_LONG, "external id is too long")
        elif system in cleaned:
            errors.add("externalIds", ErrorCode.INVALID, f"system '{system}' given twice")
        else:
            cleaned[system] = external_id
    return cleaned


def clean_new(
    brand: Brand,
    profile: dict[str, Any],
    tags: list[str],
    external_ids: list[tuple[str, str]],
    attributes: list[tuple[str, Any]],
    definitions: dict[str, CustomerAttribute],
    errors: ErrorCollector,
    *,
    lenient_attributes: bool = False,
) -> NewCustomer:
    """A new customer's input cleaned, its problems added to `errors` (all of them)."""
    values = clean_profile({"name": None, **profile}, brand, errors)
    clean_tag_list = clean_tags(tags, "tags", errors)
    ids = clean_external_ids(external_ids, errors)
    attrs = attribute_values.clean_values(
        definitions, attributes, errors, lenient=lenient_attributes, creating=True
    )
    return NewCustomer(values, clean_tag_list, ids, attrs)
