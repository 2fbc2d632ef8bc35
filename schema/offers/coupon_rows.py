"""A customer's first page of coupons read straight from its rows (engine/row_sources).

`coupons` on a list of customers answers `FirstRows` of `Coupon` rows; these readers give,
column by column, what `CouponConnection.from_page` and the objects it builds would give, so a
page of 50 customers' coupons is completed without a page, an edge, a cursor and an object per
coupon and per customer. tests/test_row_sources.py holds every field equal to the built
objects'.
"""

from __future__ import annotations

from typing import cast

from auth.context import Context
from engine.row_sources import (
    attribute,
    cursors,
    global_ids,
    local_times,
    row_source,
    same_rows,
)
from models.offers import Coupon
from resolvers.first_rows import FirstRows
from resolvers.offers.queries import COUPON_ORDER
from schema.common import Edge, first_rows_connection_readers
from schema.offers.types import CouponConnection, CouponStatus, CouponType
from services.loyalty.config import utcnow

STATUSES = {status.value: status for status in CouponStatus}
_cursors = cursors(*COUPON_ORDER)


def _statuses(rows: list[Coupon], _context: Context) -> list[CouponStatus]:
    """`CouponType.status` for each row: EXPIRED once an ISSUED coupon's expiry has passed."""
    now = utcnow()
    return [
        CouponStatus.EXPIRED
        if row.status == "ISSUED" and row.expires_at is not None and row.expires_at <= now
        else STATUSES[row.status]
        for row in rows
    ]


def _node(row: Coupon, _context: Context) -> CouponType:
    return CouponType.from_model(row)


def _edge(row: Coupon, context: Context) -> Edge[CouponType]:
    (cursor,) = _cursors([row], context)
    return Edge(cursor=cast(str, cursor), node=_node(row, context))


def _connection(page: FirstRows[Coupon], _context: Context) -> CouponConnection:
    return CouponConnection.from_page(page.page())


row_source(
    "Coupon",
    Coupon,
    _node,
    {
        "id": global_ids("Coupon", "id"),
        "code": attribute("code"),
        "discount": attribute("discount"),
        "status": _statuses,
        "customer_id": global_ids("Customer", "customer_id"),
        "purchase_id": global_ids("Purchase", "purchase_id"),
        "issued_at": local_times("issued_at"),
        "expires_at": local_times("expires_at"),
        "redeemed_at": local_times("redeemed_at"),
    },
)
row_source("CouponEdge", Coupon, _edge, {"node": same_rows, "cursor": _cursors})
row_source("CouponConnection", FirstRows, _connection, first_rows_connection_readers())
