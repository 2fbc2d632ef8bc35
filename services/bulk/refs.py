"""Customers named by a bulk row: by id, or by a partner system's external id."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from models import Customer, CustomerExternalId
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
    pks = {r.pk for r in refs if r.pk is not None and r.problem is None}
    known = (
        set(await Customer.filter(brand_id=brand_id, id__in=list(pks)).values_list("id", flat=True))
        if pks
        else set()
    )
    by_system: dict[str, set[str]] = defaultdict(set)
    for r in refs:
        if r.external is not None and r.problem is None:
            by_system[r.external[0].strip()].add(r.external[1].strip())
    external: dict[tuple[str, str], int] = {}
    for system, values in by_system.items():
        rows = await CustomerExternalId.filter(
            brand_id=brand_id, system=system, external_id__in=list(values)
        ).values_list("external_id", "customer_id")
        external.update({(system, str(e)): int(c) for e, c in rows})  # type: ignore[misc]
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
