"""Cleaning personal data on the way in, and masking it on the way out."""

from __future__ import annotations

from functools import lru_cache

import phonenumbers
from email_validator import EmailNotValidError, validate_email


class InvalidValue(ValueError):
    pass


# An import's chunk reads each value several times (matching, checking, writing): parsing a
# number or an address costs about 100 microseconds.
@lru_cache(maxsize=8192)
def normalize_phone(raw: str, default_region: str) -> str:
    """Return the E.164 form; `+86 138 0013 8000` and `13800138000` (region CN) are equal."""
    try:
        number = phonenumbers.parse(raw, default_region.upper())
    except phonenumbers.NumberParseException as exc:
        raise InvalidValue(f"'{raw}' is not a phone number") from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidValue(f"'{raw}' is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def try_normalize_phone(raw: str, default_region: str) -> str | None:
    try:
        return normalize_phone(raw, default_region)
    except InvalidValue:
        return None


@lru_cache(maxsize=8192)
def normalize_email(raw: str) -> str:
    try:
        result = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidValue(f"'{raw}' is not a valid email address: {exc}") from exc
    return result.normalized.lower()


def mask_phone(e164: str) -> str:
    """`+8613800138000` -> `+86 138****8000`."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return "****"
    national = phonenumbers.national_significant_number(number)
    keep_head = 3 if len(national) > 7 else 1
    hidden = max(len(national) - keep_head - 4, 1)
    return f"+{number.country_code} {national[:keep_head]}{'*' * hidden}{national[-4:]}"


def mask_email(email: str) -> str:
    """`jane@example.com` -> `j***@example.com`."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def mask_text(value: str) -> str:
    return f"{value[:3]}***" if len(value) > 3 else "***"
