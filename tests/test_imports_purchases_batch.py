"""Purchases and opening balances imported a chunk at a time end exactly as the same rows one by
one through `record_purchase` and `adjust_points` would: every table's rows and the event
stream compared (ids as their order of creation), for a chunk mixing several purchases a
customer, back-dated and pending ones, items, a tier reached mid-chunk, new members, bad rows,
duplicate and replayed externalIds; a retried chunk changes nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import orjson
import pytest
from tortoise.transactions import in_transaction

from models import (
    AuditEntry,
    Brand,
    Customer,
    CustomerStats,
    DailySpend,
    Membership,
    PointsTransaction,
    Purchase,
    PurchaseItem,
    Tier,
    TierChange,
)
from models.events import OutboxEvent
from models.stores import Store
from services.bulk.refs import resolve_all
from services.common.actor import Actor
from services.common.errors import DomainError
from services.customers.upsert import UpsertInput, upsert_customer
from services.imports import batches, rows
from services.loyalty import balance_batch, points, purchase_batch, purchases
from services.loyalty import config as loyalty_config
from tests.concurrency import assert_ledger_consistent
from tests.support import make_brand

NOW = datetime.now(UTC)
Writer = Callable[[Brand, list[dict[str, Any]]], Awaitable[list[Any]]]


def _ago(days: float) -> str:
    return (NOW - timedelta(days=days)).isoformat()


def _row(who: str, ext: str | None, amount: str, when: str, **more: Any) -> dict[str, Any]:
    row = {"customerSystem": "pos", "customerExternalId": who, "amount": amount}
    row.update({"occurredAt": when, **more})
    if ext is not None:
        row["externalId"] = ext
    return row


COFFEE = orjson.dumps([{"sku": "C1", "name": "Latte", "category": "coffee", "unitPrice": "40"}])
DISCOUNTED = orjson.dumps(
    [
        {"sku": "C2", "name": "Beans", "category": "coffee", "quantity": 2, "unitPrice": "60"},
        {"sku": "M1", "name": "Mug", "unitPrice": "50.5"},
    ]
)
PURCHASE_ROWS = [
    _row("A", "X1", "120.00", _ago(200), items=COFFEE.decode()),
    _row("A", "X2", "250.00", _ago(100)),  # A's lifetime spend passes 300: Silver
    _row("A", "X3", "80.00", _ago(2)),  # x1.5 now, and still pending
    _row("B", "X4", "50.00", _ago(30), channel="web"),
    _row("B", "X1", "10.00", _ago(3)),  # A's externalId in this chunk: DUPLICATE
    _row("A", "X1", "999.00", _ago(3)),  # A's own: the purchase above answers
    _row("A", "E1", "1.00", _ago(3)),  # an earlier import's purchase of A's: answers it
    _row("B", "E1", "1.00", _ago(3)),  # ... and of another customer: DUPLICATE
    _row("B", "X10", "abc", _ago(3)),  # INVALID amount
    _row("ZZ", "X11", "5.00", _ago(3)),  # no such customer
    _row("N", "X6", "20.00", _ago(1), items=DISCOUNTED.decode()),  # N enrols here
    _row("N", None, "10.00", (NOW + timedelta(days=2)).isoformat()),  # in the future
    _row("D", "X7", "30.00", _ago(40)),
    _row("D", "X8", "45.50", _ago(40)),  # D's same day: one daily spend row
    _row("E", "X4", "5.00", _ago(5)),  # E's first row a DUPLICATE: no enrolment for it
    _row("E", "X9", "300.00", _ago(5), storeId="S1"),  # E enrols here, Silver at once
    _row("E", "X12", "5.00", _ago(5), storeId="S404"),  # unknown code: row by row registers it
]


async def _setup(slug: str) -> Brand:
    brand = await make_brand(slug)
    actor = Actor.system(brand.id, "seed")
    await loyalty_config.set_settings(
        actor,
        {
            "pending_days": 7,
            "expiry_rule": "DAYS",
            "expiry_days": 90,
            "promotions": [{"name": "Coffee", "multiplier": "2", "category": "coffee"}],
        },
    )
    tiers = await loyalty_config.ladder(brand.id)
    await Tier.filter(id=tiers[1].id).update(
        consecutive_months=None, monthly_min=None, min_lifetime_spend=Decimal("300")
    )
    await Tier.filter(id=tiers[2].id).update(
        consecutive_months=None, monthly_min=None, min_lifetime_points=5000
    )
    await Store.create(brand_id=brand.id, code="S1", name="S1", timezone=brand.timezone)
    for who in ("A", "B", "N", "D", "E"):
        await upsert_customer(actor, brand, UpsertInput({"name": who}, ("pos", who)))
    a = (await resolve_all(brand.id, [rows.customer_ref(_row("A", None, "", ""))]))[0]
    assert isinstance(a, int)
    await purchases.record_purchase(
        actor, brand, a, Decimal("15.00"), [], None, None, NOW - timedelta(days=9), "E1"
    )
    return brand


async def _scope(brand: Brand) -> rows.ImportScope:
    return rows.ImportScope(Actor.system(brand.id, "import"), brand, {}, ZoneInfo(brand.timezone))


def _summary(outcome: Any) -> Any:
    if isinstance(outcome, DomainError):
        return sorted((e.field or "", e.code.value) for e in outcome.errors)
    return None


async def _one(kind: str, row: dict[str, Any], customer: Any, scope: rows.ImportScope) -> None:
    """A row through `record_purchase` or `adjust_points`, as imports wrote them before."""
    if kind == "PURCHASES":
        spec = rows.purchase_spec(row, customer, scope)
        await purchases.record_purchase(
            scope.actor,
            scope.brand,
            spec.customer_id,
            spec.amount,
            spec.items,
            spec.store_ref,
            spec.channel,
            spec.when,
            spec.external_id,
        )
        return
    credit = rows.balance_credit(row, customer)
    if credit is None:
        return
    try:
        await points.adjust_points(
            scope.actor, credit.customer_id, credit.points, credit.reason, credit.key, credit.source
        )
    except DomainError as exc:
        raise rows.balance_problem(exc) from exc


async def one_by_one(brand: Brand, fields: list[dict[str, Any]], kind: str) -> list[Any]:
    """What the import did before: each row through the operation, in a savepoint."""
    scope = await _scope(brand)
    found: list[Any] = []
    async with in_transaction():
        with loyalty_config.steady_configuration():
            refs = [rows.customer_ref(f) for f in fields]
            for row, customer in zip(fields, await resolve_all(brand.id, refs), strict=True):
                try:
                    await _one(kind, row, customer, scope)
                    found.append(None)
                except DomainError as exc:
                    found.append(_summary(exc))
    return found


async def together(brand: Brand, fields: list[dict[str, Any]], kind: str) -> list[Any]:
    scope = await _scope(brand)
    async with in_transaction():
        with loyalty_config.steady_configuration():
            refs = [rows.customer_ref(f) for f in fields]
            customers = await resolve_all(brand.id, refs)
            write = batches.write_purchases if kind == "PURCHASES" else batches.write_balances
            return [_summary(o) for o in await write(fields, customers, scope)]


def _minute(moment: datetime | None) -> Any:
    return None if moment is None else moment.astimezone(UTC).replace(second=0, microsecond=0)


def _key(t: PointsTransaction, customer: dict[int, int]) -> str | None:
    if t.idempotency_key == f"opening-balance:{t.customer_id}":
        return f"opening-balance:#{customer[t.customer_id]}"
    return t.idempotency_key


def _fingerprint(t: PointsTransaction) -> bool | None:
    """Whether the row's fingerprint is the one adjust_points gives it (it names the customer)."""
    if t.fingerprint is None:
        return None
    given = {"customer": t.customer_id, "points": t.amount, "reason": t.reason}
    return t.fingerprint == points.fingerprint("adjust", **given, source=t.source)


async def _state(brand: Brand) -> dict[str, Any]:
    """Every row the operations write, ids as their order of creation in the brand."""
    b = brand.id
    ids: dict[str, dict[int, int]] = {}

    def index(kind: str, found: list[int]) -> dict[int, int]:
        ids[kind] = {pk: i for i, pk in enumerate(sorted(found))}
        return ids[kind]

    customer = index("Customer", [c.id for c in await Customer.filter(brand_id=b)])
    bought = await Purchase.filter(brand_id=b).order_by("id")
    purchase = index("Purchase", [p.id for p in bought])
    ledger = await PointsTransaction.filter(brand_id=b).order_by("id")
    tx = index("PointsTransaction", [t.id for t in ledger])
    members = await Membership.filter(brand_id=b).order_by("id")
    member = index("Membership", [m.id for m in members])
    stores = index("Store", [s.id for s in await Store.filter(brand_id=b)])
    tiers = {t.id: t.name for t in await Tier.filter(brand_id=b)}

    def ref(kind: str, value: Any) -> Any:
        return None if value is None else ("#", kind, ids[kind][int(value)])

    def details(found: dict[str, Any]) -> dict[str, Any]:
        names = {"purchase": "Purchase", "transaction": "PointsTransaction"}
        names["membership"], names["store"] = "Membership", "Store"
        named = {k: ref(names[k], v) if k in names else v for k, v in found.items()}
        return {k: reason(v) if k == "reason" else v for k, v in named.items()}

    def reason(text: str) -> str:
        head, _, tail = text.rpartition(" ")
        if head == "purchase" and tail.isdigit():
            return f"purchase #{purchase[int(tail)]}"
        if head == "released lot" and tail.isdigit():
            return f"released lot #{tx[int(tail)]}"
        return text

    items = await PurchaseItem.filter(brand_id=b).order_by("id")
    audit = await AuditEntry.filter(brand_id=b).order_by("id")
    events = await OutboxEvent.filter(brand_id=b).order_by("seq")
    changes = await TierChange.filter(brand_id=b).order_by("id")
    spend = await DailySpend.filter(brand_id=b).order_by("customer_id", "day")
    stats = await CustomerStats.filter(brand_id=b).order_by("customer_id")
    return {
        "purchases": [
            (
                customer[p.customer_id],
                p.amount,
                p.points_earned,
                ref("Store", p.store_id),
                p.channel,
                p.external_id,
                p.occurred_at,
                p.refunded_amount,
                p.points_reversed,
            )
            for p in bought
        ],
        "items": [
            (purchase[i.purchase_id], i.sku, i.name, i.category, i.quantity, i.unit_price)
            for i in items
        ],
        "ledger": [
            (
                customer[t.customer_id],
                t.kind,
                t.amount,
                t.balance_after,
                reason(t.reason),
                t.source,
                t.actor,
                _key(t, customer),
                _fingerprint(t),
                ref("Purchase", t.purchase_id),
                t.lot_points,
                t.remaining,
                t.pending_until,
                _minute(t.expires_at),
            )
            for t in ledger
        ],
        "memberships": [
            (
                customer[m.customer_id],
                f"M{member[m.id]}",
                m.member_number == f"M{m.id:08d}",
                tiers.get(m.tier_id or 0),
                m.available,
                m.pending,
                m.lifetime_earned,
                m.status,
                m.redeemed,
                m.expired,
                _minute(m.next_review_at),
            )
            for m in members
        ],
        "tierChanges": [
            (member[c.membership_id], c.from_tier, c.to_tier, reason(c.reason)) for c in changes
        ],
        "spend": [(customer[s.customer_id], s.day, s.month, s.cents, s.purchases) for s in spend],
        "stats": [
            (
                customer[s.customer_id],
                s.first_day,
                s.last_day,
                s.frequency,
                s.monetary_cents,
                s.recency_days,
                s.lifecycle_stage,
                s.score,
                s.value_tier,
            )
            for s in stats
        ],
        "audit": [
            (
                a.operation,
                a.target_type,
                a.principal_kind,
                a.principal_id,
                a.request_id,
                ref(a.target_type, a.target_id) if a.target_type in ids else a.target_type,
                details(a.details or {}),
            )
            for a in audit
        ],
        "events": [
            (
                e.seq,
                e.type,
                ref("Customer", e.customer_id),
                e.subject_type,
                e.actor,
                ref(e.subject_type, e.subject_id) if e.subject_type in ids else e.subject_type,
                details(e.payload) if e.type != "purchase.recorded" else e.payload,
            )
            for e in events
        ],
        "stores": len(stores),
    }


def _same(found: dict[str, Any], expected: dict[str, Any]) -> None:
    """Equal states, the first differing row of a table named."""
    for table, listed in expected.items():
        if isinstance(listed, list):
            for i, (a, b) in enumerate(zip(found[table], listed, strict=False)):
                assert a == b, (table, i)
        assert found[table] == listed, table


async def _compare(rows_: list[dict[str, Any]], kind: str, setup: Any = None) -> list[Any]:
    alone, chunk = await _setup("rows"), await _setup("chunk")
    if setup is not None:
        await setup(alone)
        await setup(chunk)
    expected = await one_by_one(alone, rows_, kind)
    found = await together(chunk, rows_, kind)
    assert found == expected
    _same(await _state(chunk), await _state(alone))
    before = await _state(chunk)
    assert await together(chunk, rows_, kind) == await one_by_one(alone, rows_, kind)
    after = await _state(chunk)
    _same(after, await _state(alone))
    assert {k: v for k, v in after.items() if k not in ("stats", "stores")} == {
        k: v for k, v in before.items() if k not in ("stats", "stores")
    }
    for m in await Membership.filter(brand_id=chunk.id):
        await assert_ledger_consistent(m.customer_id)
    return found


def _never_alone(monkeypatch: pytest.MonkeyPatch, module: Any) -> None:
    async def alone(*args: Any) -> Any:
        raise AssertionError("the chunk went row by row")

    monkeypatch.setattr(module, "_alone", alone)


async def test_a_chunk_of_purchases_ends_as_the_rows_one_by_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _never_alone(monkeypatch, purchase_batch)
    found = await _compare(PURCHASE_ROWS[:-1], "PURCHASES")
    failed = {i: codes for i, codes in enumerate(found) if codes}
    assert failed == {
        4: [("externalId", "DUPLICATE")],
        7: [("externalId", "DUPLICATE")],
        8: [("amount", "INVALID")],
        9: [("customerExternalId", "NOT_FOUND")],
        11: [("occurred_at", "INVALID")],
        14: [("externalId", "DUPLICATE")],
    }


async def test_lots_expiring_at_the_end_of_their_month(monkeypatch: pytest.MonkeyPatch) -> None:
    _never_alone(monkeypatch, purchase_batch)

    async def monthly(brand: Brand) -> None:
        await loyalty_config.set_settings(Actor.system(brand.id), {"expiry_rule": "END_OF_MONTH"})

    await _compare(PURCHASE_ROWS[:-1], "PURCHASES", monthly)


async def test_purchases_with_a_store_code_to_register_go_row_by_row() -> None:
    await _compare(PURCHASE_ROWS, "PURCHASES")


async def test_a_daily_cap_goes_row_by_row() -> None:
    async def capped(brand: Brand) -> None:
        await loyalty_config.set_settings(Actor.system(brand.id), {"daily_cap": 100})

    await _compare(PURCHASE_ROWS[:-1], "PURCHASES", capped)


def _balance(who: str, points: str, reason: str | None = None) -> dict[str, Any]:
    row = {"customerSystem": "pos", "customerExternalId": who, "points": points}
    return row if reason is None else {**row, "reason": reason}


async def test_a_chunk_of_opening_balances_ends_as_the_rows_one_by_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _never_alone(monkeypatch, balance_batch)
    balances = [
        _balance("B", "300"),
        _balance("N", "0"),  # nothing to write
        _balance("D", "12", "migrated"),
        _balance("B", "300"),  # the same balance again: answers the first
        _balance("D", "13", "migrated"),  # a different one: CONFLICT
        _balance("ZZ", "5"),
        _balance("E", "-4"),
        _balance("A", "250000000"),  # too many
        _balance("A", "70"),  # A has pending points from the seed purchase? none due
    ]
    found = await _compare(balances, "POINTS_BALANCES")
    assert {i: codes for i, codes in enumerate(found) if codes} == {
        4: [("points", "CONFLICT")],
        5: [("customerExternalId", "NOT_FOUND")],
        6: [("points", "INVALID")],
        7: [("points", "INVALID")],
    }


async def test_opening_balances_with_pending_points_due_go_row_by_row() -> None:
    async def due(brand: Brand) -> None:  # A's seed purchase waits until two days ago
        await PointsTransaction.filter(brand_id=brand.id, kind="EARN").update(
            pending_until=NOW - timedelta(days=2)
        )
        lot = await PointsTransaction.get(brand_id=brand.id, kind="EARN")
        await Membership.filter(customer_id=lot.customer_id).update(
            available=0, pending=lot.remaining
        )
        await PointsTransaction.filter(id=lot.id).update(amount=0, balance_after=0)

    await _compare([_balance("A", "70"), _balance("B", "5")], "POINTS_BALANCES", due)
