"""Argon2 hashing for staff passwords and app client secrets, off the event loop: one costs a
fifth of a second of CPU, which would stall every other request of the worker (argon2 releases
the GIL, so the threads also spread them over the cores). The threads run at a lower CPU
priority (nice +10, Linux: per thread): on a busy machine a burst of password checks, wrong
ones from a guesser included, yields the cores to the event loop and the database rather than
stretching every other request's latency."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

NICENESS = 10


def _lower_priority() -> None:
    with contextlib.suppress(AttributeError, OSError):  # not Linux, or not allowed: as it is
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICENESS)


_threads = ThreadPoolExecutor(
    max_workers=os.cpu_count() or 2, thread_name_prefix="argon2", initializer=_lower_priority
)
_hasher = PasswordHasher()
# Verified when no account matches, so that a wrong email costs as much as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


async def hash_secret(secret: str) -> str:
    return await asyncio.get_running_loop().run_in_executor(_threads, _hasher.hash, secret)


async def verify_secret(secret_hash: str | None, secret: str) -> bool:
    return await asyncio.get_running_loop().run_in_executor(_threads, _verify, secret_hash, secret)


def _verify(secret_hash: str | None, secret: str) -> bool:
    try:
        return _hasher.verify(secret_hash or _DUMMY_HASH, secret) and secret_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def new_client_id() -> str:
    return "app_" + secrets.token_hex(12)


def new_client_secret() -> str:
    return secrets.token_urlsafe(32)
