"""Purchases recorded a chunk at a time (imports): what `record_purchase` called for each row in
turn writes (purchases, items, points lots, balances, daily spend, tier upgrades, customer
stats, audit entries, events in the same order), in a few statements a table.

The chunk's customers and memberships are locked together; a customer's rows are computed in
order in memory, so a tier reached by one row raises the multiplier of their later rows. A
chunk where that cannot be had exactly (a brand with a daily cap or points-multiplier offers, a
store code to register) is recorded row by row through `record_purchase`, as is a chunk that
meets a concurrent write (a unique constraint: it rolls back to its savepoint first).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from models import (
    Brand,
    PointsTransaction,
    Purchase,
    PurchaseItem,
    Tier,
    rows,
)
from models.offers import Offer
from models.stores import Store
from services.common.actor import Actor
from services.common.errors import DomainError, ErrorCode
from services.loyalty import batch_members, batch_spend, points, purchases
from services.loyalty import config as loyalty_config
from services.loyalty.batch_members import Chunk, Member, Planned
from services.loyalty.batch_spend import Spend
from services.loyalty.memberships import missing_for, qualifies
from services.loyalty.purchases import ItemSpec
from services.offers import earning as offer_earning
from services.stores import refs as store_refs
from services.stores.refs import StoreRef

Outcome = int | DomainError


@dataclass(frozen=True)
class PurchaseSpec:
    """A purchase row that passed `check_purchase`: its amount and moment (UTC) as cleaned."""

    customer_id: int
    amount: Decimal
    items: list[ItemSpec]
    store_ref: StoreRef | None
    channel: str | None
    when: datetime
    external_id: str | None


async def record_purchases(
    actor: Actor, brand: Brand, specs: Sequence[PurchaseSpec]
) -> list[Outcome]:
    """Each row's purchase id (a replay's: the earlier purchase) or its errors."""
    if not specs:
        return []
    try:
        async with in_transaction():  # a savepoint of the chunk's transaction
            done = await _together(actor, brand, specs)
    except IntegrityError:  # a concurrent writer took an externalId or a membership first
        done = None
    if done is not None:
        return done
    return [await _alone(actor, brand, spec) for spec in specs]


async def _alone(actor: Actor, brand: Brand, spec: PurchaseSpec) -> Outcome:
    try:
        result = await purchases.record_purchase(
            actor,
            brand,
            spec.customer_id,
            spec.amount,
            spec.items,
            spec.store_ref,
            spec.channel,
            spec.when,
            spec.external_id,
        )
    except DomainError as exc:
        return exc
    except IntegrityError:
        return DomainError.single(None, ErrorCode.CONFLICT, "a concurrent change conflicts")
    return result.purchase.id


async def _stores(
    brand_id: int, specs: Sequence[PurchaseSpec]
) -> dict[StoreRef, Store | DomainError | None] | None:
    """The stores the rows name; None when one is a code to register (row by row does it)."""
    found: dict[StoreRef, Store | DomainError | None] = {}
    for ref in {s.store_ref for s in specs if s.store_ref is not None}:
        try:
            found[ref] = store = await store_refs.lookup(brand_id, ref, "storeId")
        except DomainError as exc:
            found[ref] = exc
            continue
        if store is None and (ref.code or "").strip():
            return None
    return found


async def _together(
    actor: Actor, brand: Brand, specs: Sequence[PurchaseSpec]
) -> list[Outcome] | None:
    settings = await loyalty_config.get_settings(brand.id)
    if settings.daily_cap is not None:
        return None
    if await Offer.filter(brand_id=brand.id, kind=offer_earning.KIND, active=True).exists():
        return None
    stores = await _stores(brand.id, specs)
    if stores is None:
        return None
    chunk = await batch_members.lock(actor, brand, [s.customer_id for s in specs])
    tiers = await loyalty_config.ladder(brand.id)
    spend = await batch_spend.load(brand.id, sorted(chunk.found))
    known = await _earlier(brand.id, [s.external_id for s in specs if s.external_id])
    cal = loyalty_config.calendar(brand)
    made: list[PlannedPurchase] = []  # purchases to insert, in row order
    outcomes: list[Outcome | Planned] = []
    for spec in specs:
        if (missing := chunk.missing(spec.customer_id)) is not None:
            outcomes.append(missing)
            continue
        earlier = known.get(spec.external_id) if spec.external_id else None
        if earlier is not None:
            if earlier[0] != spec.customer_id:
                outcomes.append(_duplicate())
            else:
                chunk.enroll(spec.customer_id, (tiers[0].id, tiers[0].name))
                outcomes.append(earlier[1])
            continue
        store = stores.get(spec.store_ref) if spec.store_ref is not None else None
        if isinstance(store, DomainError):
            outcomes.append(store)
            continue
        m = chunk.enroll(spec.customer_id, (tiers[0].id, tiers[0].name))
        purchase = _plan(chunk, cal, tiers, spend[spec.customer_id], m, spec, store)
        made.append(purchase)
        outcomes.append(purchase)
        if spec.external_id:
            known[spec.external_id] = (spec.customer_id, purchase)
    await _write(chunk, cal, made, spend)
    return [o.saved_id() if isinstance(o, Planned) else o for o in outcomes]


def _duplicate() -> DomainError:
    return DomainError.single(
        "externalId", ErrorCode.DUPLICATE, "another customer's purchase has this externalId"
    )


@dataclass(eq=False)
class PlannedPurchase(Planned):
    items: list[ItemSpec] = field(default_factory=list)
    lot: Planned | None = None
    cents: int = 0


def _plan(
    chunk: Chunk,
    cal: loyalty_config.Calendar,
    tiers: list[Tier],
    spend: Spend,
    m: Member,
    spec: PurchaseSpec,
    store: Store | None,
) -> PlannedPurchase:
    """One row as `record_purchase` computes it, on the member's state in memory."""
    settings, actor = chunk.settings, chunk.actor
    tier = next((t for t in tiers if t.id == m.tier_id), None)
    earned = purchases.earning(
        settings, tier, spec.amount, spec.items, spec.when.astimezone(cal.tz)
    ).points
    row = PlannedPurchase(
        {
            "brand_id": chunk.brand.id,
            "customer_id": spec.customer_id,
            "amount": spec.amount,
            "refunded_amount": Decimal(0),
            "points_earned": earned,
            "points_reversed": 0,
            "points_unrecovered": 0,
            "store_id": store.id if store else None,
            "channel": spec.channel,
            "external_id": spec.external_id,
            "occurred_at": spec.when,
        },
        items=spec.items,
        cents=loyalty_config.to_cents(spec.amount),
    )
    spend.add(cal.day(spec.when), cal.month(spec.when), row.cents)
    if earned:
        pending = purchases.earned_pending_until(settings, spec.when, chunk.now)
        m.add_lot("EARN", earned, pending is not None)
        row.lot = Planned(
            {
                "brand_id": chunk.brand.id,
                "customer_id": spec.customer_id,
                "kind": "EARN",
                "amount": 0 if pending else earned,
                "balance_after": m.available,
                "reason": "",  # "purchase <id>", once the purchase has its id
                "source": "purchase",
                "actor": actor.label,
                "idempotency_key": None,
                "fingerprint": None,
                "purchase_id": None,
                "lot_points": earned,
                "remaining": earned,
                "pending_until": pending,
                "expires_at": points.lot_expiry(settings, spec.when, cal.tz),
            }
        )
        chunk.points_changed(m, "EARN", earned, row.lot)
    current = tier
    best = tiers[0]
    summary = spend.summary()
    for candidate in tiers:
        if qualifies(missing_for(candidate, summary, m.lifetime_earned, cal, chunk.now)):
            best = candidate if candidate.rank > best.rank else best
    if current is None or best.rank > current.rank:
        reason = lambda: f"purchase {row.saved_id()}"  # noqa: E731
        chunk.change_tier(m, current.name if current else None, (best.id, best.name), reason)
    details = lambda: {"purchase": row.saved_id(), "amount": str(spec.amount), "points": earned}  # noqa: E731
    chunk.audits.append(lambda: ("recordPurchase", "Customer", spec.customer_id, details()))
    chunk.events.append(
        lambda: (
            "purchase.recorded",
            spec.customer_id,
            ("Purchase", row.saved_id()),
            {"amount": str(spec.amount), "pointsEarned": earned},
        )
    )
    return row


async def _earlier(brand_id: int, external_ids: list[str]) -> dict[str, tuple[int, int | Planned]]:
    """The brand's purchases with these externalIds: (customer id, purchase id)."""
    named = await batch_members.rows_named(
        "purchases", "external_id", brand_id, external_ids, ("external_id", "customer_id", "id")
    )
    return {str(r["external_id"]): (int(r["customer_id"]), int(r["id"])) for r in named}


async def _write(
    chunk: Chunk, cal: loyalty_config.Calendar, made: list[PlannedPurchase], spend: dict[int, Spend]
) -> None:
    await batch_members.write_enrolled(chunk)
    await batch_members.insert_with_ids(Purchase, made)
    items = [
        {
            "brand_id": chunk.brand.id,
            "purchase_id": p.saved_id(),
            "sku": i.sku.strip(),
            "name": i.name.strip(),
            "category": i.category,
            "quantity": i.quantity,
            "unit_price": i.unit_price,
        }
        for p in made
        for i in p.items
    ]
    await rows.insert_many(PurchaseItem, items)
    lots: list[Planned] = []
    for p in made:
        if p.lot is not None:
            p.lot.values["purchase_id"] = p.saved_id()
            p.lot.values["reason"] = f"purchase {p.saved_id()}"
            lots.append(p.lot)
    await batch_members.insert_with_ids(PointsTransaction, lots)
    await batch_spend.write(chunk.brand.id, spend)
    await batch_members.write_changed(chunk)
    touched = [int(p.values["customer_id"]) for p in made]
    await batch_spend.write_stats(chunk, cal.day(chunk.now), spend, touched)
    await batch_members.write_trail(chunk)
