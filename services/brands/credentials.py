"""Argon2 hashing for staff passwords and app client secrets, off the event loop: one costs a
fifth of a second of CPU, which would stall every other request of the worker (argon2 releases
the GIL, so the thread pool also spreads them over the cores)."""

from __future__ import annotations

import asyncio
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# Verified when no account matches, so that a wrong email costs as much as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


async def hash_secret(secret: str) -> str:
    return await asyncio.to_thread(_hasher.hash, secret)


async def verify_secret(secret_hash: str | None, secret: str) -> bool:
    return await asyncio.to_thread(_verify, secret_hash, secret)


def _verify(secret_hash: str | None, secret: str) -> bool:
    try:
        return _hasher.verify(secret_hash or _DUMMY_HASH, secret) and secret_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def new_client_id() -> str:
    return "app_" + secrets.token_hex(12)


def new_client_secret() -> str:
    return secrets.token_urlsafe(32)
