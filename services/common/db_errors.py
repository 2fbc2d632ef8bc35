"""Database refusals of a client's values, as field errors.

Services validate what they can, but the database has the last word: a NOT NULL column given
an explicit null, a unique key taken by a concurrent write, a number past its column's range,
text PostgreSQL cannot store. Such a refusal is the client's input, not a server failure:
`input_errors` turns it into `FieldError`s (`resolvers.results.run` returns them as a
mutation's payload errors; the error masking turns one escaping elsewhere into a top-level
`BAD_USER_INPUT`). Anything else is None: a real failure, logged and masked as before.
"""

from __future__ import annotations

import re
import sqlite3
from typing import Any

import asyncpg
from asyncpg.exceptions import _base as asyncpg_client
from tortoise.exceptions import IntegrityError, OperationalError, ValidationError
from tortoise.models import Model

from services.common.errors import ErrorCode, ErrorCollector, FieldError

_NOT_NULL = (
    re.compile(r"NOT NULL constraint failed: \w+\.(\w+)"),  # SQLite
    re.compile(r'null value in column "(\w+)"'),  # PostgreSQL
)
_UNIQUE = (
    re.compile(r"UNIQUE constraint failed: \w+\.(\w+)"),
    re.compile(r"Key \(([\w, ]+)\)=.* already exists"),
)
_TORTOISE_FIELD = re.compile(r"^(\w+): (.*)$", re.DOTALL)


def input_errors(exc: BaseException) -> list[FieldError] | None:
    """The field errors a database refusal of the client's values means, or None."""
    if isinstance(exc, ValidationError):
        return [_validation_error(str(exc))]
    if isinstance(exc, OverflowError):  # SQLite: an integer past 64 bits
        return [FieldError(None, ErrorCode.INVALID, "a number is out of range")]
    driver = _driver_error(exc)
    if isinstance(driver, asyncpg.DataError | asyncpg_client.DataError):
        return [FieldError(None, ErrorCode.INVALID, _first_line(driver))]
    if isinstance(driver, asyncpg.IntegrityConstraintViolationError | sqlite3.IntegrityError) or (
        isinstance(exc, IntegrityError) and driver is exc
    ):
        return [_integrity_error(driver)]
    return None


def _driver_error(exc: BaseException) -> BaseException:
    """The driver's exception inside Tortoise's wrapper (its first argument, or its cause)."""
    if isinstance(exc, OperationalError):
        if exc.args and isinstance(exc.args[0], BaseException):
            return exc.args[0]
        if exc.__cause__ is not None:
            return exc.__cause__
    return exc


def _validation_error(message: str) -> FieldError:
    matched = _TORTOISE_FIELD.match(message)
    field, reason = (matched.group(1), matched.group(2)) if matched else (None, message)
    if "must not be None" in reason:
        return FieldError(field, ErrorCode.REQUIRED, "may not be null")
    if "Length of" in reason and "max" in reason:
        return FieldError(field, ErrorCode.TOO_LONG, reason)
    return FieldError(field, ErrorCode.INVALID, reason)


def _integrity_error(driver: BaseException) -> FieldError:
    # asyncpg keeps the key in `detail` ("Key (slug)=(acme) already exists.") and the column
    # in `column_name`; SQLite says both in its message.
    message = f"{_first_line(driver)} {getattr(driver, 'detail', None) or ''}"
    column = getattr(driver, "column_name", None)
    for pattern in _NOT_NULL:
        found = pattern.search(message)
        if found is not None:
            return FieldError(column or found.group(1), ErrorCode.REQUIRED, "may not be null")
    for pattern in _UNIQUE:
        found = pattern.search(message)
        if found is not None:
            field = found.group(1).split(",")[-1].strip()
            return FieldError(field, ErrorCode.DUPLICATE, "already taken")
    if "duplicate key" in message:
        return FieldError(None, ErrorCode.DUPLICATE, "already taken")
    if "FOREIGN KEY" in message or "foreign key" in message:
        return FieldError(None, ErrorCode.NOT_FOUND, "refers to a record that does not exist")
    return FieldError(None, ErrorCode.CONFLICT, "the database refused the values")


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def refuse_nulls(model: type[Model], changes: dict[str, Any], errors: ErrorCollector) -> None:
    """REQUIRED for each change that sets a column the model declares NOT NULL to None.

    Partial updates take "not given" and "null" apart (strawberry's UNSET and None); a null for
    a setting that cannot be empty is the client's mistake, reported with the other field
    errors rather than left to the database's NOT NULL constraint."""
    fields = model._meta.fields_map
    for key, value in changes.items():
        field = fields.get(key)
        if value is None and field is not None and not field.null:
            errors.add(key, ErrorCode.REQUIRED, f"{key} may not be null")
