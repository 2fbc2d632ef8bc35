"""Types every domain shares: Node, UserError, PageInfo, DateTime in the brand's zone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import Enum
from typing import Any, Generic, TypeVar, cast

import strawberry

from auth.context import Info
from engine.row_sources import Rows, RowSource, cursors, rows_of, same_rows
from resolvers.first_rows import FirstRows
from resolvers.ids import to_global_id
from services.common.errors import ErrorCode, FieldError
from services.common.pagination import Page

# The domain's own enum, so a code added in services/ appears in the schema with no second list.
strawberry.enum(ErrorCode, description="Why a mutation refused its input.")


@strawberry.interface(description="An object with a global id (Relay).")
class Node:
    id: strawberry.ID


@strawberry.type(description="One problem with a mutation's input; nothing was written.")
class UserError:
    field: str | None = strawberry.field(description="The input field at fault, if one is.")
    code: ErrorCode
    message: str
    related_id: strawberry.ID | None = strawberry.field(
        default=None, description="For DUPLICATE/CONFLICT: the global id of the existing record."
    )


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def user_errors(errors: list[FieldError], related_type: str | None = None) -> list[UserError]:
    return [
        UserError(
            field=camel(e.field) if e.field else None,
            code=e.code,
            message=e.message,
            related_id=strawberry.ID(to_global_id(related_type, int(e.related_id)))
            if related_type and e.related_id and e.related_id.isdigit()
            else None,
        )
        for e in errors
    ]


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None

    @classmethod
    def from_page(cls, page: Page) -> PageInfo:  # type: ignore[type-arg]
        items = page.items  # cursors may stay `Cursor`s, encoded only if the query reads them
        return cls(
            has_next_page=page.has_next_page,
            has_previous_page=page.has_previous_page,
            start_cursor=cast(str, items[0][0]) if items else None,
            end_cursor=cast(str, items[-1][0]) if items else None,
        )

    @classmethod
    def from_first_rows(cls, page: FirstRows) -> PageInfo:  # type: ignore[type-arg]
        """`from_page` of `page.page()`, without a cursor for every row."""
        rows = page.rows
        return cls(
            has_next_page=page.has_next_page,
            has_previous_page=False,
            start_cursor=cast(str, page.cursor(rows[0])) if rows else None,
            end_cursor=cast(str, page.cursor(rows[-1])) if rows else None,
        )


def first_rows_connection(connection: type, node: RowSource, order: tuple[str, bool]) -> RowSource:
    """The row source (engine/row_sources) of a connection answered as `FirstRows` of its
    nodes' rows, read in `order`: its edges are the rows (an edge's node is its row), its page
    info `PageInfo.from_first_rows`."""
    edge = rows_of(Edge, node.row_class, node=Rows(same_rows, node), cursor=cursors(*order))
    return rows_of(
        connection,
        FirstRows,
        edges=Rows(lambda pages, _context: [page.rows for page in pages], edge),
        page_info=lambda pages, _context: list(map(PageInfo.from_first_rows, pages)),
    )


def local_time(info: Info, value: datetime) -> datetime:
    """Times are stored in UTC and shown in the brand's time zone."""
    return value.astimezone(info.context.tz)


@strawberry.enum
class SortDirection(Enum):
    ASC = "ASC"
    DESC = "DESC"


NodeT = TypeVar("NodeT")


@strawberry.type
class Edge(Generic[NodeT]):
    cursor: str
    node: NodeT


RowT = TypeVar("RowT")


def edges(page: Page[RowT], node: Callable[[RowT], NodeT]) -> list[Edge[NodeT]]:
    """A page's edges. A cursor may still be a `Cursor`, encoded only if the query reads it:
    GraphQL's String serialises it with `str()`."""
    return [Edge(cursor=cast(str, cursor), node=node(row)) for cursor, row in page.items]


def argument_or_input(name: str, argument: Any, from_input: Any) -> tuple[Any, list[UserError]]:
    """A mutation that takes its value as a plain argument (as documented) or inside `input`:
    exactly one of the two, else a typed error naming the argument."""
    if (argument is None) == (from_input is None):
        code = ErrorCode.REQUIRED if argument is None else ErrorCode.INVALID
        message = f"give `{name}` either as an argument or inside `input`, once"
        return None, [UserError(field=name, code=code, message=message)]
    return (argument if argument is not None else from_input), []
