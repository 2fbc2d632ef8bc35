"""Completing a level's values column by column, for `schema/batched`: leaves checked and
serialised for a whole column at once, response objects built by a function compiled once per
selection."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from typing import Any

from graphql import (
    GraphQLBoolean,
    GraphQLID,
    GraphQLInt,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLOutputType,
    GraphQLString,
)
from graphql.pyutils import Undefined

# Built-in scalars whose output coercion returns a value of exactly this type as it is.
TRUSTED_PYTHON_TYPES: dict[GraphQLLeafType, type] = {
    GraphQLString: str,
    GraphQLID: str,
    GraphQLBoolean: bool,
}
NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]*")
INT_RANGE = range(-(2**31), 2**31)


class Abandon(Exception):
    """The batched attempt cannot produce the standard result; execute the standard way."""


@lru_cache(maxsize=2048)
def row_builder(keys: tuple[str, ...]) -> Callable[..., dict[str, Any]]:
    """A function of one value per key returning the response object in selection order: a dict
    display, about three times quicker than dict(zip(keys, values)). Keys are GraphQL names."""
    if not all(NAME.fullmatch(key) for key in keys):  # the parser allows no other response names
        raise ValueError(f"not GraphQL names: {keys!r}")
    parameters = ", ".join(f"_{i}" for i in range(len(keys)))
    display = ", ".join(f"{key!r}: _{i}" for i, key in enumerate(keys))
    return eval(f"lambda {parameters}: {{{display}}}")


def complete_leaves(field_type: GraphQLOutputType, values: list[Any]) -> list[Any]:
    if isinstance(field_type, GraphQLNonNull):
        if any(value is None or value is Undefined for value in values):
            raise Abandon
        return complete_leaves(field_type.of_type, values)
    if isinstance(field_type, GraphQLList):
        return [
            None
            if value is None or value is Undefined
            else complete_leaves(field_type.of_type, as_list(value))
            for value in values
        ]
    assert isinstance(field_type, GraphQLLeafType)
    trusted = TRUSTED_PYTHON_TYPES.get(field_type)
    if trusted is not None and all(type(value) is trusted for value in values):
        return values  # what the scalar's coercion would return unchanged
    if field_type is GraphQLInt and all(
        type(value) is int and value in INT_RANGE for value in values
    ):
        return values
    serialise = field_type.coerce_output_value
    completed: list[Any] = []
    for value in values:
        if value is None or value is Undefined:
            completed.append(None)
            continue
        coerced = serialise(value)
        if coerced is None or coerced is Undefined:
            raise Abandon
        completed.append(coerced)
    return completed


def close_all(awaitables: Iterable[Any]) -> None:
    for awaitable in awaitables:
        close = getattr(awaitable, "close", None) or getattr(awaitable, "cancel", None)
        if close is not None:
            close()


def as_list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        raise Abandon
    return list(value)


def split(flat: list[Any], lengths: list[int]) -> list[Any]:
    parts, start = [], 0
    for length in lengths:
        parts.append(flat[start : start + length])
        start += length
    return parts
