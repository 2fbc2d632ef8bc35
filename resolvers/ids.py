"""Relay global ids: base64("TypeName:pk")."""

from __future__ import annotations

import base64
import binascii
from binascii import b2a_base64
from collections.abc import Iterable

# The largest key a BIGINT column holds: a number past it can name no record, and the databases
# refuse it as a parameter (asyncpg: out of range, SQLite: OverflowError).
MAX_PK = 2**63 - 1


class BadGlobalId(ValueError):
    pass


def to_global_id(type_name: str, pk: int) -> str:
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


def to_global_ids(type_name: str, pks: Iterable[int]) -> list[str]:
    """`to_global_id` of each of `pks`, for a whole column at once."""
    prefix = f"{type_name}:".encode()
    return [b2a_base64(b"%s%d" % (prefix, pk), newline=False).decode() for pk in pks]


def from_global_id(global_id: str) -> tuple[str, int]:
    try:
        raw = base64.b64decode(global_id.encode(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise BadGlobalId(f"'{global_id}' is not a valid id") from exc
    type_name, _, pk = raw.partition(":")
    if not type_name or not (pk.isascii() and pk.isdigit()) or len(pk) > 19 or int(pk) > MAX_PK:
        raise BadGlobalId(f"'{global_id}' is not a valid id")
    return type_name, int(pk)


def decode_id(global_id: str, expected_type: str) -> int:
    type_name, pk = from_global_id(global_id)
    if type_name != expected_type:
        raise BadGlobalId(f"'{global_id}' is not a {expected_type} id")
    return pk
