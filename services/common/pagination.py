"""Keyset pagination: cursors carry the sort value and the id, never an offset."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

import orjson
from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.queryset import QuerySet

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20

M = TypeVar("M", bound=Model)


class HasId(Protocol):
    @property
    def id(self) -> int: ...


K = TypeVar("K", bound=HasId)
Row = TypeVar("Row", covariant=True)  # a page holds model instances or plain rows


class PaginationError(ValueError):
    pass


@dataclass(frozen=True)
class PageRequest:
    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None

    def validate(self) -> None:
        if self.first is not None and self.last is not None:
            raise PaginationError("give either first or last, not both")
        for name, value in (("first", self.first), ("last", self.last)):
            if value is not None and not 0 <= value <= MAX_PAGE_SIZE:
                raise PaginationError(f"{name} must be between 0 and {MAX_PAGE_SIZE}")


class Cursor:
    """A row's cursor, encoded when it is read (`str()`): a wide page builds hundreds of rows
    and seldom asks for their cursors. GraphQL's String serialises it with `str()`."""

    __slots__ = ("order_key", "row_id", "value")

    def __init__(self, order_key: str, value: Any, row_id: int) -> None:
        self.order_key, self.value, self.row_id = order_key, value, row_id

    def __str__(self) -> str:
        return encode_cursor(self.order_key, self.value, self.row_id)

    def __repr__(self) -> str:
        return f"Cursor({self})"


@dataclass(frozen=True)
class Page(Generic[Row]):
    items: Sequence[tuple[str | Cursor, Row]]
    has_next_page: bool
    has_previous_page: bool

    @property
    def start_cursor(self) -> str | None:
        return str(self.items[0][0]) if self.items else None

    @property
    def end_cursor(self) -> str | None:
        return str(self.items[-1][0]) if self.items else None


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def order_key_of(field: str, descending: bool) -> str:
    return f"{field}:{'desc' if descending else 'asc'}"


def page_from_start(rows: Sequence[K], size: int, field: str, descending: bool) -> Page[K]:
    """The first `size` of `rows`, read from the start in `paginate`'s order with one row more
    than asked (so hasNextPage needs no second statement): the page and cursors `paginate`
    gives for the same request."""
    key = order_key_of(field, descending)
    items = [(Cursor(key, getattr(row, field), row.id), row) for row in rows[:size]]
    return Page(items, has_next_page=len(rows) > size, has_previous_page=False)


def encode_cursor(order_key: str, value: Any, row_id: int) -> str:
    raw = orjson.dumps([order_key, _plain(value), row_id])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, order_key: str, field_is_datetime: bool) -> tuple[Any, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        key, value, row_id = orjson.loads(raw)
    except (ValueError, TypeError) as exc:
        raise PaginationError("malformed cursor") from exc
    if key != order_key or not isinstance(row_id, int):
        raise PaginationError("the cursor belongs to another ordering")
    if field_is_datetime:
        try:
            value = datetime.fromisoformat(value)
        except (TypeError, ValueError) as exc:
            raise PaginationError("malformed cursor") from exc
    return value, row_id


def _beyond(field: str, value: Any, row_id: int, ascending: bool) -> Q:
    op = "gt" if ascending else "lt"
    return Q(**{f"{field}__{op}": value}) | Q(**{field: value, f"id__{op}": row_id})


async def paginate(
    query: QuerySet[M], field: str, descending: bool, page: PageRequest, is_datetime: bool
) -> Page[M]:
    """One SQL statement for the page, plus one when a cursor asks whether rows lie behind it."""
    page.validate()
    order_key = order_key_of(field, descending)
    backwards = page.last is not None or (page.before is not None and page.first is None)
    limit = page.last if backwards and page.last is not None else page.first
    limit = DEFAULT_PAGE_SIZE if limit is None else limit
    ascending = descending == backwards  # reading backwards flips the direction

    window = query
    if page.after is not None:
        value, row_id = decode_cursor(page.after, order_key, is_datetime)
        window = window.filter(_beyond(field, value, row_id, not descending))
    if page.before is not None:
        value, row_id = decode_cursor(page.before, order_key, is_datetime)
        window = window.filter(_beyond(field, value, row_id, descending))
    prefix = "" if ascending else "-"
    rows = await window.order_by(f"{prefix}{field}", f"{prefix}id").limit(limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    if backwards:
        rows.reverse()
    behind_cursor = page.before if backwards else page.after
    behind = False
    if behind_cursor is not None:
        value, row_id = decode_cursor(behind_cursor, order_key, is_datetime)
        beyond_dir = descending if not backwards else not descending
        behind = await query.filter(_beyond(field, value, row_id, beyond_dir)).exists()
    items: list[tuple[str | Cursor, M]] = [
        (Cursor(order_key, getattr(r, field), r.pk), r) for r in rows
    ]
    if backwards:
        return Page(items, has_next_page=behind, has_previous_page=more)
    return Page(items, has_next_page=more, has_previous_page=behind)
