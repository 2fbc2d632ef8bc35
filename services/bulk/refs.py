"""Customers named by a bulk row: by id, or by a partner system's external id."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from models import CustomerExternalId, rows
from services.common import sql
from services.common.errors import ErrorCode, FieldError


@dataclass(frozen=True)
class CustomerRef:
    pk: int | None = None
    external: tuple[str, str] | None = None  # (system, external id)
    problem: FieldError | None = None  # e.g. a malformed id, found by the resolver

    def describe(self) -> object:
        return self.pk if self.pk is not None else self.external


async def resolve_all(brand_id: int, refs: Sequence[CustomerRef]) -> list[int | FieldError]:
    """Each ref as the brand's customer id, or the error naming it (another brand's customer is
    not found); a few statements for the whole batch."""
    # Arrays joined, not `IN (...)` lists: a chunk of an import repeats the statement with
    # another thousand values, and PostgreSQL's generic plan for a long IN list took seconds.
    pks = sorted({r.pk for r in refs if r.pk is not None and r.problem is None})
    known: set[int] = set()
    if pks:
        condition, listed = rows.one_of("id", pks, 2, sql.is_postgres())
        query = f"SELECT id FROM customers WHERE brand_id = ? AND {condition}"
        known = {int(row["id"]) for row in await sql.fetch(query, [brand_id, *listed])}
    pairs = {
        (r.external[0].strip(), r.external[1].strip())
        for r in refs
        if r.external is not None and r.problem is None
    }
    columns = ("system", "external_id")
    holders = await rows.fetch_by_values(CustomerExternalId, brand_id, columns, sorted(pairs))
    external = {(row.system, row.external_id): row.customer_id for row in holders}
    resolved: list[int | FieldError] = []
    for r in refs:
        if r.problem is not None:
            resolved.append(r.problem)
        elif r.pk is not None:
            resolved.append(r.pk if r.pk in known else _missing("customerId", "customer not found"))
        elif r.external is not None:
            key = (r.external[0].strip(), r.external[1].strip())
            found = external.get(key)
            resolved.append(
                found
                if found is not None
                else _missing("customerExternalId", f"no customer with {key[0]} id '{key[1]}'")
            )
        else:
            resolved.append(
                FieldError(
                    "customerId", ErrorCode.REQUIRED, "give customerId or customerExternalId"
                )
            )
    return resolved


def _missing(field: str, message: str) -> FieldError:
    return FieldError(field, ErrorCode.NOT_FOUND, message)
