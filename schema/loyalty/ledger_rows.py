"""A customer's first page of the ledger read straight from its rows (engine/row_sources).

`pointsTransactions` on a list of customers answers `FirstRows` of `LedgerRow`s; these readers
give, column by column, what `PointsTransactionConnection.from_page` and the objects it builds
would give, so a page of 50 customers' ledgers is completed without an object, an edge and a
cursor per row. tests/test_row_sources.py holds every field equal to the built objects'.
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any, cast

from auth.context import Context
from engine.row_sources import (
    attribute,
    cursors,
    global_ids,
    local_times,
    row_source,
    same_rows,
)
from resolvers.first_rows import FirstRows
from resolvers.loyalty.loaders import LedgerRow
from resolvers.loyalty.queries import LEDGER_ORDER
from schema.common import Edge, first_rows_connection_readers
from schema.loyalty.types import POINTS_KINDS, PointsTransactionConnection, PointsTransactionType

_kinds = attrgetter("kind")
_cursors = cursors(*LEDGER_ORDER)


def _kinds_of(rows: list[LedgerRow], _context: Context) -> list[Any]:
    return list(map(POINTS_KINDS.__getitem__, map(_kinds, rows)))


def _node(row: LedgerRow, context: Context) -> PointsTransactionType:
    return PointsTransactionType.from_model(row, context.tz)


def _edge(row: LedgerRow, context: Context) -> Edge[PointsTransactionType]:
    (cursor,) = _cursors([row], context)
    return Edge(cursor=cast(str, cursor), node=_node(row, context))


def _connection(page: FirstRows[LedgerRow], context: Context) -> PointsTransactionConnection:
    return PointsTransactionConnection.from_page(page.page(), context.tz)


row_source(
    "PointsTransaction",
    LedgerRow,
    _node,
    {
        "id": global_ids("PointsTransaction", "id"),
        "kind": _kinds_of,
        "amount": attribute("amount"),
        "balance_after": attribute("balance_after"),
        "reason": attribute("reason"),
        "source": attribute("source"),
        "actor": attribute("actor"),
        "idempotency_key": attribute("idempotency_key"),
        "created_at": local_times("created_at"),
        "expires_at": local_times("expires_at"),
        "pending_until": local_times("pending_until"),
    },
)
row_source("PointsTransactionEdge", LedgerRow, _edge, {"node": same_rows, "cursor": _cursors})
row_source("PointsTransactionConnection", FirstRows, _connection, first_rows_connection_readers())
