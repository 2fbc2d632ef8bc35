"""Taking in a batch of tracked events: check each, store the good ones, stitch visitors.

The contract differs from other mutations on purpose (issue 20): a bad event is refused on its
own, with a typed error naming its place in the batch, while the good ones are stored. The good
ones are written all or nothing, with one audit row and one `behaviour.tracked` event a batch.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from tortoise.transactions import in_transaction

from events.outbox import emit
from services.common import audit, sql
from services.common.actor import Actor
from services.common.errors import DomainError, ErrorCode, FieldError
from services.loyalty.config import utcnow
from services.tracking import merge as tracking_merge
from services.tracking import storage
from services.tracking.validation import (
    MAX_BATCH,
    CleanEvent,
    GlobalIdDecoder,
    RawEvent,
    clean_event,
)
from services.tracking.vocabulary import STANDARD_EVENTS, custom_names

tracking_merge.register()


@dataclass(frozen=True)
class Tracker:
    """Who sends the events, which decides whose events they may be."""

    actor: Actor
    own_customer_id: int | None = None  # a customer's token: only their own events
    anonymous_only: bool = False  # a public write key: visitors only, no customer ids

    @classmethod
    def for_customer(cls, actor: Actor, customer_id: int) -> Tracker:
        return cls(actor, own_customer_id=customer_id)


@dataclass
class TrackResult:
    accepted: int = 0  # stored now or earlier (a retried batch is accepted again)
    duplicates: int = 0  # of which were stored before
    stitched: int = 0  # earlier anonymous events now attributed to a customer
    errors: list[FieldError] = field(default_factory=list)


def _error(event: CleanEvent, name: str, code: ErrorCode, message: str) -> FieldError:
    return FieldError(f"events[{event.position}].{name}", code, message)


def _authorize(tracker: Tracker, event: CleanEvent) -> FieldError | None:
    if tracker.anonymous_only and event.customer_id is not None:
        return _error(event, "customerId", ErrorCode.INVALID, "a write key sends visitors only")
    own = tracker.own_customer_id
    if own is not None and event.customer_id != own:
        return _error(
            event, "customerId", ErrorCode.INVALID, "a customer sends their own events only"
        )
    return None


async def _missing(table: str, brand_id: int, ids: set[int]) -> set[int]:
    """The ids that name no row of the brand in `table` (customers, stores)."""
    if not ids:
        return set()
    marks = ", ".join("?" for _ in ids)
    rows = await sql.fetch(
        f"SELECT id FROM {table} WHERE brand_id = ? AND id IN ({marks})", [brand_id, *ids]
    )
    return ids - {int(r["id"]) for r in rows}


async def _checked(
    tracker: Tracker, raws: Sequence[RawEvent], decode: GlobalIdDecoder, result: TrackResult
) -> list[CleanEvent]:
    brand_id = tracker.actor.brand_id
    names = {r.name for r in raws if isinstance(r.name, str)}
    custom = await custom_names(brand_id) if names - set(STANDARD_EVENTS) else set()
    now = utcnow()
    good: list[CleanEvent] = []
    for position, raw in enumerate(raws):
        checked = clean_event(position, raw, custom, now, decode, tracker.own_customer_id)
        if isinstance(checked, CleanEvent):
            checked = _authorize(tracker, checked) or checked
        if isinstance(checked, FieldError):
            result.errors.append(checked)
        else:
            good.append(checked)
    if tracker.own_customer_id is None and not tracker.anonymous_only:
        named = {e.customer_id for e in good if e.customer_id is not None}
        missing = await _missing("customers", brand_id, named)
        for event in [e for e in good if e.customer_id in missing]:
            result.errors.append(
                _error(event, "customerId", ErrorCode.NOT_FOUND, "no such customer")
            )
            good.remove(event)
    unknown_stores = await _missing(
        "stores", brand_id, {e.store_id for e in good if e.store_id is not None}
    )
    for event in [e for e in good if e.store_id in unknown_stores]:
        result.errors.append(_error(event, "storeId", ErrorCode.NOT_FOUND, "no such store"))
        good.remove(event)
    result.errors.sort(key=lambda e: int((e.field or "[0]").split("[")[1].split("]")[0]))
    return good


def _unique(events: list[CleanEvent]) -> tuple[list[CleanEvent], int]:
    """The first event of each eventId in the batch; how many repeats were dropped."""
    seen: set[str] = set()
    kept = []
    for event in events:
        if event.event_id not in seen:
            seen.add(event.event_id)
            kept.append(event)
    return kept, len(events) - len(kept)


async def _stitch(brand_id: int, events: list[CleanEvent]) -> dict[str, int]:
    """Attribute anonymous events to their visitor's customer; the new links to make."""
    new_links: dict[str, int] = {}
    for e in events:
        if e.anonymous_id and e.customer_id is not None:
            new_links.setdefault(e.anonymous_id, e.customer_id)
    anonymous = sorted({e.anonymous_id for e in events if e.anonymous_id})
    links = await storage.known_links(brand_id, anonymous)
    for anon, customer in new_links.items():
        links.setdefault(anon, customer)
    for e in events:
        if e.customer_id is None and e.anonymous_id in links:
            e.customer_id = links[e.anonymous_id]
    return {a: c for a, c in new_links.items() if links.get(a) == c}


async def track(tracker: Tracker, raws: Sequence[RawEvent], decode: GlobalIdDecoder) -> TrackResult:
    """Store the valid events of a batch (at most MAX_BATCH); refuse the others one by one."""
    if len(raws) > MAX_BATCH:
        raise DomainError.single(
            "events", ErrorCode.TOO_LONG, f"a batch holds at most {MAX_BATCH} events"
        )
    result = TrackResult()
    good = await _checked(tracker, raws, decode, result)
    events, repeats = _unique(good)
    if not events:
        result.duplicates = repeats
        result.accepted = repeats
        return result
    actor, brand_id, now = tracker.actor, tracker.actor.brand_id, utcnow()
    async with in_transaction():
        links = await _stitch(brand_id, events)
        inserted = await storage.insert_events(brand_id, events, now)
        for anonymous_id, customer_id in links.items():
            result.stitched += await storage.link_visitor(brand_id, anonymous_id, customer_id, now)
        result.accepted = len(good)
        result.duplicates = len(good) - inserted
        names = dict(Counter(e.name for e in events))
        details = {
            "accepted": result.accepted,
            "duplicates": result.duplicates,
            "refused": len(result.errors),
            "stitched": result.stitched,
        }
        await audit.record(actor, "trackEvents", "TrackedEvents", None, details)
        customers = {e.customer_id for e in events}
        await emit(
            actor,
            "behaviour.tracked",
            customer_id=customers.pop() if len(customers) == 1 else None,
            payload={**details, "names": names},
        )
    return result
