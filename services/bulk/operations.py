"""The three bulk operations: each row goes through the single operation's service function
(upsert_customer, record_purchase, award_points), so it is validated and idempotent exactly
like its single counterpart (external ids, idempotency keys)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from models import Brand, Customer, PointsTransaction, Purchase
from services.bulk import calls
from services.bulk.policy import ErrorPolicy, RowResult, check_size, run_rows
from services.bulk.refs import CustomerRef, resolve_all
from services.common.actor import Actor
from services.common.errors import DomainError, FieldError
from services.customers.upsert import UpsertInput, UpsertResult, upsert_customer
from services.loyalty import points, purchases
from services.loyalty.purchases import ItemSpec
from services.stores.refs import StoreRef


@dataclass(frozen=True)
class PurchaseRow:
    customer: CustomerRef
    amount: Any
    items: tuple[ItemSpec, ...] = ()
    store_id: StoreRef | None = None
    channel: str | None = None
    occurred_at: datetime | None = None
    external_id: str | None = None


@dataclass(frozen=True)
class AwardRow:
    customer: CustomerRef
    points: int
    reason: str = ""
    source: str = "staff"
    idempotency_key: str | None = None


def _plain(rows: Sequence[Any]) -> list[Any]:
    return [dataclasses.asdict(r) for r in rows]


async def bulk_upsert_customers(
    actor: Actor, brand: Brand, rows: Sequence[UpsertInput], policy: ErrorPolicy, key: str | None
) -> list[RowResult[UpsertResult]]:
    check_size(len(rows))

    async def one(row: UpsertInput) -> UpsertResult:
        return await upsert_customer(actor, brand, row)

    async def load(stored: list[dict[str, Any]]) -> list[UpsertResult | None]:
        found = {c.id: c for c in await Customer.filter(brand_id=brand.id, id__in=_ids(stored))}
        return [
            UpsertResult(found[r["id"]], r["outcome"]) if r["id"] in found else None for r in stored
        ]

    return await calls.execute(
        actor,
        "bulkUpsertCustomers",
        key,
        calls.fingerprint("bulkUpsertCustomers", policy, _plain(rows)),
        lambda: run_rows(rows, policy, one),
        lambda r: (r.customer.id, r.outcome),
        load,
    )


def _ids(stored: list[dict[str, Any]]) -> list[int]:
    return [int(r["id"]) for r in stored if r.get("id") is not None]


def _with_ref_errors(resolved: int | FieldError, check: Any) -> int:
    """The customer id, or DomainError with the ref's problem and the row's input problems."""
    errors: list[FieldError] = [resolved] if isinstance(resolved, FieldError) else []
    try:
        check()
    except DomainError as exc:
        errors.extend(exc.errors)
    if errors:
        raise DomainError(errors)
    assert isinstance(resolved, int)
    return resolved


async def bulk_record_purchases(
    actor: Actor, brand: Brand, rows: Sequence[PurchaseRow], policy: ErrorPolicy, key: str | None
) -> list[RowResult[purchases.PurchaseResult]]:
    check_size(len(rows))

    async def run() -> list[RowResult[purchases.PurchaseResult]]:
        resolved = await resolve_all(brand.id, [r.customer for r in rows])

        async def one(index: int) -> purchases.PurchaseResult:
            row = rows[index]
            customer_id = _with_ref_errors(
                resolved[index],
                lambda: purchases.check_purchase(
                    row.amount, list(row.items), row.occurred_at, row.external_id
                ),
            )
            return await purchases.record_purchase(
                actor,
                brand,
                customer_id,
                row.amount,
                list(row.items),
                row.store_id,
                row.channel,
                row.occurred_at,
                row.external_id,
            )

        return await run_rows(list(range(len(rows))), policy, one, _lock_order(resolved))

    async def load(stored: list[dict[str, Any]]) -> list[purchases.PurchaseResult | None]:
        from models import Membership

        found = {p.id: p for p in await Purchase.filter(brand_id=brand.id, id__in=_ids(stored))}
        members = {
            m.customer_id: m
            for m in await Membership.filter(
                brand_id=brand.id, customer_id__in=[p.customer_id for p in found.values()]
            )
        }
        out: list[purchases.PurchaseResult | None] = []
        for r in stored:
            p = found.get(r["id"]) if r.get("id") is not None else None
            out.append(
                None
                if p is None
                else purchases.PurchaseResult(p, p.points_earned, members[p.customer_id])
            )
        return out

    return await calls.execute(
        actor,
        "bulkRecordPurchases",
        key,
        calls.fingerprint("bulkRecordPurchases", policy, _plain(rows)),
        run,
        lambda r: (r.purchase.id, None),
        load,
    )


async def bulk_award_points(
    actor: Actor, rows: Sequence[AwardRow], policy: ErrorPolicy, key: str | None
) -> list[RowResult[PointsTransaction]]:
    check_size(len(rows))

    async def run() -> list[RowResult[PointsTransaction]]:
        resolved = await resolve_all(actor.brand_id, [r.customer for r in rows])

        async def one(index: int) -> PointsTransaction:
            row = rows[index]
            customer_id = _with_ref_errors(
                resolved[index],
                lambda: points.check_award(row.points, row.source, row.idempotency_key),
            )
            return await points.award_points(
                actor, customer_id, row.points, row.reason, row.source, row.idempotency_key
            )

        return await run_rows(list(range(len(rows))), policy, one, _lock_order(resolved))

    async def load(stored: list[dict[str, Any]]) -> list[PointsTransaction | None]:
        found = {
            t.id: t
            for t in await PointsTransaction.filter(brand_id=actor.brand_id, id__in=_ids(stored))
        }
        return [found.get(r["id"]) if r.get("id") is not None else None for r in stored]

    return await calls.execute(
        actor,
        "bulkAwardPoints",
        key,
        calls.fingerprint("bulkAwardPoints", policy, _plain(rows)),
        run,
        lambda t: (t.id, None),
        load,
    )


def _lock_order(resolved: list[int | FieldError]) -> Any:
    """Rows by customer id (unresolved ones first), keeping the order within a customer."""
    return lambda index: (resolved[index] if isinstance(resolved[index], int) else -1, index)
