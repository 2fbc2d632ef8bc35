"""Personal data encrypted at rest: a text column that holds plaintext or a sealed value.

A sealed value is `enc1:<key id>:<base64url(nonce | AES-256-GCM ciphertext and tag)>`, the
column's name bound in as associated data (a phone cannot be replayed as an email). Reading
a row opens it with the key its id names, so a key rotates by adding the new key, making it
current, re-sealing (services/privacy/sealing.py) and removing the old one. What a read gives
is a `SealedStr`: the plaintext, remembering the stored ciphertext, so saving the row again
writes the ciphertext back, never the plaintext. A plain `str` is stored as it is: services
seal what they write for a brand that opted in (docs/privacy.md).

Lookups never decrypt: a keyed hash (HMAC-SHA256 under the lookup key) of the normalised
value sits in its own column (`phone_hash`, `email_hash`) with the brand's unique constraint.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from tortoise import fields

PREFIX = "enc1:"
KEY_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")
NONCE_BYTES = 12


class SealedValueUnreadable(RuntimeError):
    """A sealed value names a key this process does not hold (or does not verify)."""


class SealedStr(str):
    """A plaintext read from (or written as) a sealed column, with its ciphertext."""

    sealed: str

    def __new__(cls, plaintext: str, sealed: str) -> SealedStr:
        value = super().__new__(cls, plaintext)
        value.sealed = sealed
        return value

    def __reduce__(self) -> Any:  # copies and pickles are plain strings: never the ciphertext
        return (str, (str(self),))


@dataclass
class Keyring:
    keys: dict[str, bytes] = field(default_factory=dict)
    current: str | None = None
    lookup_key: bytes | None = None

    @property
    def ready(self) -> bool:
        return self.current in self.keys and self.lookup_key is not None


KEYRING = Keyring()


def decode_key(text: str) -> bytes:
    """A key as configured: 32 bytes, base64 (standard or URL-safe)."""
    raw = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
    if len(raw) != 32:
        raise ValueError("a data key is 32 bytes, base64-encoded")
    return raw


def install_keys(keys: dict[str, str], current: str | None, lookup_key: str | None) -> None:
    """Called once at start-up from the settings (CRM_DATA_KEYS, CRM_DATA_KEY_ID,
    CRM_DATA_LOOKUP_KEY)."""
    bad = [kid for kid in keys if not KEY_ID.fullmatch(kid)]
    if bad:
        raise ValueError(f"data key ids are 1-32 letters, digits, - or _: {bad}")
    KEYRING.keys = {kid: decode_key(text) for kid, text in keys.items()}
    KEYRING.current = current if current in KEYRING.keys else None
    KEYRING.lookup_key = decode_key(lookup_key) if lookup_key else None


def seal(plaintext: str, column: str) -> SealedStr:
    if not KEYRING.ready:
        raise SealedValueUnreadable("no current data key: set CRM_DATA_KEYS and CRM_DATA_KEY_ID")
    kid = KEYRING.current
    assert kid is not None
    nonce = os.urandom(NONCE_BYTES)
    box = AESGCM(KEYRING.keys[kid]).encrypt(nonce, plaintext.encode(), column.encode())
    text = base64.urlsafe_b64encode(nonce + box).decode().rstrip("=")
    return SealedStr(plaintext, f"{PREFIX}{kid}:{text}")


def open_sealed(stored: str, column: str) -> SealedStr:
    kid, _, text = stored[len(PREFIX) :].partition(":")
    key = KEYRING.keys.get(kid)
    if key is None:
        raise SealedValueUnreadable(f"data key '{kid}' is not configured")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        plain = AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], column.encode())
    except Exception as exc:  # a wrong key or a damaged value: the same answer
        raise SealedValueUnreadable(f"a {column} sealed under key '{kid}' does not open") from exc
    return SealedStr(plain.decode(), stored)


def key_id(stored: str | None) -> str | None:
    """The key a stored value is sealed under (None: plaintext)."""
    if isinstance(stored, SealedStr):
        stored = stored.sealed
    if stored is None or not stored.startswith(PREFIX):
        return None
    return stored[len(PREFIX) :].partition(":")[0]


def lookup_hash(normalised: str, column: str) -> str:
    if KEYRING.lookup_key is None:
        raise SealedValueUnreadable("no lookup key: set CRM_DATA_LOOKUP_KEY")
    message = f"{column}:{normalised}".encode()
    return hmac.new(KEYRING.lookup_key, message, hashlib.sha256).hexdigest()


class SealedCharField(fields.CharField):
    """A CharField whose sealed values are opened on read and written back sealed."""

    def to_db_value(self, value: Any, instance: Any) -> Any:
        if isinstance(value, SealedStr):
            return value.sealed
        return super().to_db_value(value, instance)

    def to_python_value(self, value: Any) -> Any:
        if value is None or not value.startswith(PREFIX):
            return value
        return open_sealed(value, self.model_field_name)
