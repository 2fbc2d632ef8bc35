"""Marketing consent per channel (SMS, email, push, WeChat): given or withdrawn, when and how.

A customer with no consent recorded per channel follows the profile's `marketingConsent` on
every channel (how: `PROFILE`). The first change per channel records all four channels, so
from then on the rows are the whole truth and `marketingConsent` is kept equal to "some
channel is consented". Changing `marketingConsent` on the profile afterwards sets all four.
Messages that need consent (survey invitations, coupon notifications) go out only on a
channel the customer consented to (`allowed_channels`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.transactions import in_transaction

from events.outbox import emit
from models import Customer
from models.privacy import CustomerConsent
from services.common import audit
from services.common.actor import Actor
from services.common.errors import DomainError, ErrorCode, ErrorCollector

CHANNELS = ("SMS", "EMAIL", "PUSH", "WECHAT")
PROFILE_SOURCE = "PROFILE"
MAX_SOURCE = 64
CLOCK_SKEW = timedelta(minutes=1)


@dataclass(frozen=True)
class ConsentState:
    channel: str
    granted: bool
    source: str
    given_at: datetime | None  # None: followed from the profile, time not recorded
    recorded_by: str | None


def _states(customer: Customer, rows: Iterable[CustomerConsent]) -> list[ConsentState]:
    by_channel = {row.channel: row for row in rows}
    states = []
    for channel in CHANNELS:
        row = by_channel.get(channel)
        if row is None:
            states.append(
                ConsentState(channel, customer.marketing_consent, PROFILE_SOURCE, None, None)
            )
        else:
            when = None if row.source == PROFILE_SOURCE else row.given_at
            states.append(ConsentState(channel, row.granted, row.source, when, row.recorded_by))
    return states


async def consents_of(customers: list[Customer]) -> dict[int, list[ConsentState]]:
    """Each customer's four channels, in one statement (customers of one brand)."""
    if not customers:
        return {}
    rows: dict[int, list[CustomerConsent]] = {c.id: [] for c in customers}
    found = await CustomerConsent.filter(brand_id=customers[0].brand_id, customer_id__in=list(rows))
    for row in found:
        rows[row.customer_id].append(row)
    return {c.id: _states(c, rows[c.id]) for c in customers}


async def consents_of_customers(
    brand_id: int, customer_ids: list[int]
) -> dict[int, list[ConsentState]]:
    """`consents_of` the brand's customers numbered `customer_ids` (two statements)."""
    return await consents_of(await Customer.filter(brand_id=brand_id, id__in=customer_ids))


async def allowed_channels(brand_id: int, customer_ids: list[int]) -> dict[int, list[str]]:
    """The channels each customer consented to, in CHANNELS order (two statements)."""
    customers = await Customer.filter(brand_id=brand_id, id__in=customer_ids)
    states = await consents_of(customers)
    return {cid: [s.channel for s in found if s.granted] for cid, found in states.items()}


@dataclass(frozen=True)
class ConsentChange:
    channel: str
    granted: bool


def _clean(
    changes: list[ConsentChange], source: str, given_at: datetime | None
) -> tuple[str, datetime]:
    errors = ErrorCollector()
    channels = [c.channel for c in changes]
    if not changes:
        errors.add("consents", ErrorCode.REQUIRED, "give at least one channel")
    if any(c not in CHANNELS for c in channels):
        errors.add("consents", ErrorCode.INVALID, f"channels are {', '.join(CHANNELS)}")
    if len(set(channels)) != len(channels):
        errors.add("consents", ErrorCode.INVALID, "a channel is given twice")
    source = source.strip()
    if not source or len(source) > MAX_SOURCE:
        errors.add("source", ErrorCode.INVALID, f"source (how) must be 1 to {MAX_SOURCE} chars")
    now = datetime.now(UTC)
    when = given_at or now
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    if when > now + CLOCK_SKEW:
        errors.add("givenAt", ErrorCode.INVALID, "givenAt is in the future")
    errors.raise_if_any()
    return source, when


async def _lock(actor: Actor, customer_id: int) -> Customer:
    customer = await Customer.select_for_update().get_or_none(
        brand_id=actor.brand_id, id=customer_id, erased_at=None
    )
    own = actor.kind != "customer" or actor.subject == str(customer_id)
    if customer is None or not own:  # a customer changes only their own consent
        raise DomainError.single("customerId", ErrorCode.NOT_FOUND, "customer not found")
    return customer


async def _materialise(actor: Actor, customer: Customer) -> dict[str, CustomerConsent]:
    """Every channel as a row (those missing follow the profile's flag)."""
    rows = {r.channel: r for r in await CustomerConsent.filter(customer_id=customer.id)}
    missing = [c for c in CHANNELS if c not in rows]
    if missing:
        await CustomerConsent.bulk_create(
            [
                CustomerConsent(
                    brand_id=customer.brand_id,
                    customer_id=customer.id,
                    channel=channel,
                    granted=customer.marketing_consent,
                    source=PROFILE_SOURCE,
                    given_at=customer.updated_at,
                    recorded_by=actor.label,
                )
                for channel in missing
            ]
        )
        rows = {r.channel: r for r in await CustomerConsent.filter(customer_id=customer.id)}
    return rows


async def _apply(
    actor: Actor,
    customer: Customer,
    rows: dict[str, CustomerConsent],
    changes: list[ConsentChange],
    source: str,
    when: datetime,
) -> list[str]:
    """Write the changes to the locked customer's rows; the channels whose consent changed."""
    changed = []
    for change in changes:
        row = rows[change.channel]
        if row.granted != change.granted:
            changed.append(change.channel)
        row.granted, row.source, row.given_at = change.granted, source, when
        row.recorded_by = actor.label
        await row.save(
            update_fields=["granted", "source", "given_at", "recorded_by", "recorded_at"]
        )
    flag = any(r.granted for r in rows.values())
    if flag != customer.marketing_consent:
        customer.marketing_consent = flag
        await customer.save(update_fields=["marketing_consent", "updated_at"])
    for channel in changed:
        await emit(
            actor,
            "customer.consent_changed",
            customer_id=customer.id,
            subject=("Customer", customer.id),
            payload={"channel": channel, "granted": rows[channel].granted, "source": source},
        )
    return changed


async def set_consents(
    actor: Actor,
    customer_id: int,
    changes: list[ConsentChange],
    source: str,
    given_at: datetime | None = None,
) -> tuple[Customer, list[ConsentState]]:
    source, when = _clean(changes, source, given_at)
    async with in_transaction():
        customer = await _lock(actor, customer_id)
        rows = await _materialise(actor, customer)
        changed = await _apply(actor, customer, rows, changes, source, when)
        details = {"fields": changed, "channels": [c.channel for c in changes], "how": source}
        await audit.record(actor, "setCustomerConsent", "Customer", customer.id, details)
    return customer, _states(customer, rows.values())


async def follow_profile_flag(actor: Actor, customer: Customer) -> None:
    """`marketingConsent` changed on the profile (inside its transaction): every channel
    recorded so far follows it."""
    rows = await CustomerConsent.filter(customer_id=customer.id)
    if not rows:
        return
    change = [ConsentChange(r.channel, customer.marketing_consent) for r in rows]
    await _apply(
        actor, customer, {r.channel: r for r in rows}, change, PROFILE_SOURCE, datetime.now(UTC)
    )


def _decided_later(a: CustomerConsent, b: CustomerConsent) -> bool:
    """A decision recorded per channel beats one that followed the profile; then the later."""
    return (a.source != PROFILE_SOURCE, a.given_at) > (b.source != PROFILE_SOURCE, b.given_at)


async def merge_consents(actor: Actor, source: Customer, target: Customer) -> None:
    """Per channel, the later decision of the two wins (merge hook, both customers locked)."""
    if not await CustomerConsent.filter(customer_id__in=[source.id, target.id]).exists():
        return
    theirs = await _materialise(actor, source)
    ours = await _materialise(actor, target)
    for channel, row in ours.items():
        other = theirs[channel]
        if _decided_later(other, row):
            row.granted, row.source, row.given_at = other.granted, other.source, other.given_at
            await row.save(update_fields=["granted", "source", "given_at", "recorded_at"])
    flag = any(r.granted for r in ours.values())
    # merge_customers ORs the two flags afterwards: both carry the merged answer
    target.marketing_consent = source.marketing_consent = flag
    await CustomerConsent.filter(customer_id=source.id).delete()


ALL_CHANNELS_JSON = '["EMAIL","PUSH","SMS","WECHAT"]'


def channels_sql(customer: str, postgres: bool) -> str:
    """A JSON array of the channels the customer (`customer`: an SQL expression of their id)
    consented to, alphabetical: `allowed_channels` for set-based statements (coupon.issued)."""
    rows = f"FROM customer_consents cc WHERE cc.customer_id = {customer}"
    flag = f"(SELECT c.marketing_consent FROM customers c WHERE c.id = {customer})"
    if postgres:
        granted = (
            f"COALESCE((SELECT jsonb_agg(cc.channel ORDER BY cc.channel) {rows} AND cc.granted),"
            " '[]'::jsonb)"
        )
        every, none = f"'{ALL_CHANNELS_JSON}'::jsonb", "'[]'::jsonb"
    else:
        granted = (
            "(SELECT json_group_array(channel) FROM"
            f" (SELECT cc.channel {rows} AND cc.granted ORDER BY cc.channel))"
        )
        every, none = f"json('{ALL_CHANNELS_JSON}')", "json('[]')"
    return (
        f"CASE WHEN EXISTS (SELECT 1 {rows}) THEN {granted}"
        f" WHEN {flag} THEN {every} ELSE {none} END"
    )
