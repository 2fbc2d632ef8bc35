"""Points adjustments credited a chunk at a time (imported opening balances): what
`adjust_points` called for each row in turn writes (the ADJUST lot with its idempotency key and
fingerprint, the balance, the audit entry, `points.changed`), in a few statements.

A key seen before answers the earlier transaction (the same request) or IDEMPOTENCY_KEY_REUSED
(a different one), as `adjust_points` does. A chunk with a member whose pending points are due
for release, or that meets a concurrent write, is credited row by row through `adjust_points`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from models import Brand, PointsTransaction, rows
from services.common import sql
from services.common.actor import Actor
from services.common.errors import DomainError, ErrorCode, ErrorCollector
from services.loyalty import batch_members, points
from services.loyalty import config as loyalty_config
from services.loyalty.batch_members import Chunk, Planned

Outcome = int | DomainError


@dataclass(frozen=True)
class Credit:
    """A positive adjustment: `adjust_points(actor, customer_id, points, reason, key, source)`."""

    customer_id: int
    points: int
    reason: str
    key: str
    source: str

    def fingerprint(self) -> str:
        extra = {} if self.source == "staff" else {"source": self.source}
        return points.fingerprint(
            "adjust", customer=self.customer_id, points=self.points, reason=self.reason, **extra
        )

    def check(self) -> DomainError | None:
        errors = ErrorCollector()
        if abs(self.points) > points.MAX_POINTS:
            errors.add("points", ErrorCode.INVALID, f"at most {points.MAX_POINTS} points at once")
        if not self.reason.strip():
            errors.add("reason", ErrorCode.REQUIRED, "an adjustment needs a reason")
        points.check_key(self.key, errors)
        return DomainError(errors.errors) if errors.errors else None


async def credit_all(actor: Actor, brand: Brand, credits: Sequence[Credit]) -> list[Outcome]:
    """Each row's ledger transaction id (a replay's: the earlier one) or its errors."""
    if not credits:
        return []
    try:
        async with in_transaction():  # a savepoint of the chunk's transaction
            done = await _together(actor, brand, credits)
    except IntegrityError:  # a concurrent writer took a key or a membership first
        done = None
    if done is not None:
        return done
    return [await _alone(actor, credit) for credit in credits]


async def _alone(actor: Actor, credit: Credit) -> Outcome:
    try:
        tx = await points.adjust_points(
            actor, credit.customer_id, credit.points, credit.reason, credit.key, credit.source
        )
    except DomainError as exc:
        return exc
    except IntegrityError:
        return DomainError.single(None, ErrorCode.CONFLICT, "a concurrent change conflicts")
    return tx.id


def _reused() -> DomainError:
    return DomainError.single(
        "idempotencyKey",
        ErrorCode.IDEMPOTENCY_KEY_REUSED,
        "this idempotency key was used for a different request",
    )


async def _together(actor: Actor, brand: Brand, credits: Sequence[Credit]) -> list[Outcome] | None:
    checked = [credit.check() for credit in credits]
    chunk = await batch_members.lock(
        actor, brand, [c.customer_id for c, e in zip(credits, checked, strict=True) if e is None]
    )
    if await _releases_due(chunk):
        return None
    tiers = await loyalty_config.ladder(brand.id)
    first_tier = (tiers[0].id, tiers[0].name)
    known = await _earlier(brand.id, [c.key for c in credits])
    expires = await points.expiry_from_now(brand.id)
    lots: list[Planned] = []
    outcomes: list[Outcome | Planned] = []
    for credit, problem in zip(credits, checked, strict=True):
        if problem is not None or (problem := chunk.missing(credit.customer_id)) is not None:
            outcomes.append(problem)
            continue
        fp = credit.fingerprint()
        earlier = known.get(credit.key)
        if earlier is not None:
            if earlier[0] != fp:
                outcomes.append(_reused())
            else:
                chunk.enroll(credit.customer_id, first_tier)
                outcomes.append(earlier[1])
            continue
        lot = _plan(chunk, credit, fp, expires, first_tier)
        lots.append(lot)
        outcomes.append(lot)
        known[credit.key] = (fp, lot)
    await batch_members.write_enrolled(chunk)
    await batch_members.insert_with_ids(PointsTransaction, lots)
    await batch_members.write_changed(chunk)
    await batch_members.write_trail(chunk)
    return [o.saved_id() if isinstance(o, Planned) else o for o in outcomes]


def _plan(
    chunk: Chunk, credit: Credit, fp: str, expires: object, first_tier: tuple[int, str]
) -> Planned:
    m = chunk.enroll(credit.customer_id, first_tier)
    m.add_lot("ADJUST", credit.points, pending=False)
    lot = Planned(
        {
            "brand_id": chunk.brand.id,
            "customer_id": credit.customer_id,
            "kind": "ADJUST",
            "amount": credit.points,
            "balance_after": m.available,
            "reason": credit.reason,
            "source": credit.source,
            "actor": chunk.actor.label,
            "idempotency_key": credit.key,
            "fingerprint": fp,
            "purchase_id": None,
            "lot_points": credit.points,
            "remaining": credit.points,
            "pending_until": None,
            "expires_at": expires,
        }
    )
    details = {"kind": "ADJUST", "amount": credit.points}
    chunk.audits.append(
        lambda: (
            "adjustPoints",
            "Customer",
            credit.customer_id,
            {"transaction": lot.saved_id(), **details},
        )
    )
    chunk.points_changed(m, "ADJUST", credit.points, lot)
    return lot


async def _releases_due(chunk: Chunk) -> bool:
    """Whether a member of the chunk has pending points due (`adjust_points` releases them)."""
    waiting = sorted(m.customer_id for m in chunk.members.values() if m.pending)
    if not waiting:
        return False
    condition, listed = rows.one_of("customer_id", waiting, 2, sql.is_postgres())
    due = await sql.fetch(  # by the customer_id index: see batch_members.lock
        f"SELECT brand_id FROM points_transactions WHERE pending_until <= ? AND {condition}",
        [loyalty_config.utcnow(), *listed],
    )
    due = [row for row in due if row["brand_id"] == chunk.brand.id]
    return bool(due)


async def _earlier(brand_id: int, keys: list[str]) -> dict[str, tuple[str, int | Planned]]:
    """The brand's ledger rows with these idempotency keys: (fingerprint, transaction id)."""
    named = await batch_members.rows_named(
        "points_transactions",
        "idempotency_key",
        brand_id,
        keys,
        ("idempotency_key", "fingerprint", "id"),
    )
    return {str(r["idempotency_key"]): (str(r["fingerprint"]), int(r["id"])) for r in named}
