"""What a batch resolver answers the level-by-level executor for a list field read from the
start: the first rows, kept as rows. The `Page` (a cursor per row) is made only when asked for;
a wide page of the ledger or of coupons is read straight from the rows (engine/row_sources)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from services.common.pagination import Cursor, HasId, Page, order_key_of, page_from_start

K = TypeVar("K", bound=HasId)


@dataclass(frozen=True, slots=True)
class FirstRows(Generic[K]):
    """The first rows of a list read from the start, with whether more follow."""

    rows: Sequence[K]
    has_next_page: bool
    field: str
    descending: bool

    def cursor(self, row: K) -> Cursor:
        return Cursor(order_key_of(self.field, self.descending), getattr(row, self.field), row.id)

    def page(self) -> Page[K]:
        page = page_from_start(self.rows, len(self.rows), self.field, self.descending)
        return Page(page.items, has_next_page=self.has_next_page, has_previous_page=False)


def first_rows(rows: Sequence[K], size: int, field: str, descending: bool) -> FirstRows[K]:
    """The first `size` of `rows`, read from the start in `paginate`'s order with one row more
    than asked (so hasNextPage needs no second statement)."""
    return FirstRows(rows[:size], len(rows) > size, field, descending)
