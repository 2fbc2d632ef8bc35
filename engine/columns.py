"""Completing a level's values column by column, for `engine/batched`: leaves checked and
serialised for a whole column at once, response objects built by a function compiled once per
selection."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from enum import Enum
from functools import lru_cache
from itertools import accumulate
from typing import Any

from graphql import (
    GraphQLBoolean,
    GraphQLEnumType,
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
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
NoneType = type(None)
MISSING = frozenset({NoneType, Undefined.__class__})


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
    """A column of leaf values as the field's type serialises them (None stays None); raises
    Abandon where the standard executor would report an error. Whole-column checks run on the
    set of the values' types, in C, before any per-value call."""
    kinds = set(map(type, values))
    if isinstance(field_type, GraphQLNonNull):
        if not kinds.isdisjoint(MISSING):
            raise Abandon
        field_type = field_type.of_type
    if isinstance(field_type, GraphQLList):
        return [
            None
            if value is None or value is Undefined
            else complete_leaves(field_type.of_type, as_list(value))
            for value in values
        ]
    assert isinstance(field_type, GraphQLLeafType)
    if Undefined.__class__ in kinds:
        values = [None if value is Undefined else value for value in values]
        kinds.discard(Undefined.__class__)
    present = kinds - {NoneType}
    if not present:
        return values
    trusted = TRUSTED_PYTHON_TYPES.get(field_type)
    if trusted is not None and present == {trusted}:
        return values  # what the scalar's coercion would return unchanged
    if field_type is GraphQLInt and present == {int}:
        ints = values if NoneType not in kinds else [v for v in values if v is not None]
        if min(ints) >= INT_MIN and max(ints) <= INT_MAX:
            return values
    names = enum_names(field_type) if isinstance(field_type, GraphQLEnumType) else None
    if names is not None:
        try:
            if NoneType not in kinds:
                return list(map(names.__getitem__, values))
            return [None if value is None else names[value] for value in values]
        except (KeyError, TypeError):
            pass  # a value that is not one of the enum's members: the type's own coercion
    serialise = field_type.coerce_output_value
    if NoneType not in kinds:
        completed = list(map(serialise, values))
    else:
        completed = [None if value is None else serialise(value) for value in values]
    if not {type(c) for c in completed}.isdisjoint(MISSING) and any(
        (c is None or c is Undefined) and v is not None
        for c, v in zip(completed, values, strict=True)
    ):
        raise Abandon  # the standard executor reports a null from a scalar's coercion
    return completed


@lru_cache(maxsize=256)
def enum_names(field_type: GraphQLEnumType) -> dict[Any, str] | None:
    """strawberry's enums serialise a Python member by comparing it with each value in turn;
    the same answers, looked up."""
    members = getattr(field_type, "wrapped_cls", None)
    if not isinstance(members, type) or not issubclass(members, Enum):
        return None
    return {member: field_type.coerce_output_value(member) for member in members}


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
    ends = accumulate(lengths)
    return [flat[end - length : end] for end, length in zip(ends, lengths, strict=True)]
