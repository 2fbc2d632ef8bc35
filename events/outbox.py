"""`emit()`: write an event to the outbox inside the caller's transaction; reading it back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from events.catalogue import check_type
from events.wakeup import wake_after_commit
from library_adapter import model_client
from models import rows
from models.events import BrandEventCounter, OutboxEvent


class EventSource(Protocol):
    """Who caused the event (services.common.actor.Actor fits)."""

    @property
    def brand_id(self) -> int: ...
    @property
    def label(self) -> str: ...
    @property
    def request_id(self) -> str: ...


@dataclass(frozen=True)
class Event:
    """An event as it travels through the broker and reaches subscribers and webhooks."""

    brand_id: int
    seq: int
    type: str
    customer_id: int | None
    subject_type: str | None
    subject_id: str | None
    payload: dict[str, Any]
    occurred_at: datetime
    # Results of subscriptions to this event, shared by subscribers with the same operation,
    # variables and principal (engine/shared_events.py); not part of the event's value.
    shared_results: dict[Any, Any] = field(
        default_factory=dict, compare=False, repr=False, hash=False
    )

    def to_json(self) -> dict[str, Any]:
        return {
            "brand_id": self.brand_id,
            "seq": self.seq,
            "type": self.type,
            "customer_id": self.customer_id,
            "subject_type": self.subject_type,
            "subject_id": self.subject_id,
            "payload": self.payload,
            "occurred_at": self.occurred_at.isoformat(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Event:
        return cls(
            brand_id=int(data["brand_id"]),
            seq=int(data["seq"]),
            type=str(data["type"]),
            customer_id=data.get("customer_id"),
            subject_type=data.get("subject_type"),
            subject_id=data.get("subject_id"),
            payload=dict(data.get("payload") or {}),
            occurred_at=datetime.fromisoformat(data["occurred_at"]),
        )

    @classmethod
    def from_row(cls, row: OutboxEvent) -> Event:
        return cls(
            brand_id=row.brand_id,
            seq=row.seq,
            type=row.type,
            customer_id=row.customer_id,
            subject_type=row.subject_type,
            subject_id=row.subject_id,
            payload=dict(row.payload),
            occurred_at=row.created_at,
        )


async def _advance(brand_id: int, count: int) -> int | None:
    """Add `count` to the brand's counter and return the new last id, in one statement
    (UPDATE ... RETURNING, PostgreSQL and SQLite 3.35+); None when the brand has no counter."""
    db = model_client(BrandEventCounter, for_write=True)
    mark = "$1" if db.capabilities.dialect == "postgres" else "?"
    table = BrandEventCounter._meta.db_table
    rows = await db.execute_query_dict(
        f"UPDATE {table} SET last_seq = last_seq + {int(count)} WHERE brand_id = {mark}"
        " RETURNING last_seq",
        [brand_id],
    )
    return int(rows[0]["last_seq"]) if rows else None


async def _take(brand_id: int, count: int) -> int:
    """The brand's new last id after taking `count`; the counter's row lock, held to commit,
    serialises a brand's events."""
    last = await _advance(brand_id, count)
    if last is None:
        await BrandEventCounter.bulk_create(
            [BrandEventCounter(brand_id=brand_id, last_seq=0)], ignore_conflicts=True
        )
        last = await _advance(brand_id, count)
        assert last is not None, "the counter row was just created"
    return last


async def _next_seq(brand_id: int) -> int:
    """Take the brand's next id."""
    return await _take(brand_id, 1)


async def reserve_seqs(brand_id: int, count: int) -> int:
    """For set-based jobs that INSERT ... SELECT their events: take `count` ids, return the first.

    Call inside the job's transaction; the counter's row lock is held until it commits."""
    last = await _take(brand_id, count)
    wake_after_commit((0.02, 0.15, 1.0))
    return last - count + 1


def _columns(
    source: EventSource,
    seq: int,
    event_type: str,
    customer_id: int | None,
    subject: tuple[str, int | str] | None,
    payload: dict[str, Any] | None,
) -> dict[str, Any]:
    return {
        "brand_id": source.brand_id,
        "seq": seq,
        "type": event_type,
        "customer_id": customer_id,
        "subject_type": subject[0] if subject else None,
        "subject_id": str(subject[1]) if subject else None,
        "payload": payload or {},
        "actor": source.label,
        "request_id": source.request_id,
    }


async def emit(
    source: EventSource,
    event_type: str,
    *,
    customer_id: int | None = None,
    subject: tuple[str, int | str] | None = None,
    payload: dict[str, Any] | None = None,
) -> OutboxEvent:
    """Record an event; call inside the domain change's `in_transaction()` block."""
    check_type(event_type)
    seq = await _next_seq(source.brand_id)
    row = await rows.insert(
        OutboxEvent, _columns(source, seq, event_type, customer_id, subject, payload)
    )
    wake_after_commit((0.02, 0.15))
    return row


async def emit_many(
    source: EventSource,
    event_type: str,
    events: Sequence[tuple[int | None, tuple[str, int | str], dict[str, Any]]],
) -> int:
    """Record one event per (customer id, subject, payload) for set-based changes: one counter
    update and batched inserts instead of two statements an event. Inside the transaction."""
    check_type(event_type)
    if not events:
        return 0
    first = await reserve_seqs(source.brand_id, len(events))
    return await rows.insert_many(
        OutboxEvent,
        [
            _columns(source, first + i, event_type, customer_id, subject, payload)
            for i, (customer_id, subject, payload) in enumerate(events)
        ],
    )


async def emit_each(
    source: EventSource,
    events: Sequence[tuple[str, int | None, tuple[str, int | str] | None, dict[str, Any]]],
) -> int:
    """`emit_many` for events of several types, in the order given (type, customer id,
    subject, payload): a set-based change whose rows each emit as the operation alone would."""
    for event_type in {event[0] for event in events}:
        check_type(event_type)
    if not events:
        return 0
    first = await reserve_seqs(source.brand_id, len(events))
    return await rows.insert_many(
        OutboxEvent,
        [
            _columns(source, first + i, event_type, customer_id, subject, payload)
            for i, (event_type, customer_id, subject, payload) in enumerate(events)
        ],
    )


async def events_after(brand_id: int, after: int, limit: int = 500) -> list[Event]:
    """Committed events of a brand with an id greater than `after`, in order."""
    rows = await OutboxEvent.filter(brand_id=brand_id, seq__gt=after).order_by("seq").limit(limit)
    return [Event.from_row(row) for row in rows]


async def last_seq(brand_id: int) -> int:
    """The id of the brand's latest committed event (0 if none)."""
    counter = await BrandEventCounter.get_or_none(brand_id=brand_id)
    return int(counter.last_seq) if counter else 0


async def oldest_seq(brand_id: int) -> int | None:
    row = await OutboxEvent.filter(brand_id=brand_id).order_by("seq").first()
    return int(row.seq) if row else None


async def prune(older_than: datetime) -> int:
    """Drop relayed events past the retention window."""
    query = OutboxEvent.filter(created_at__lt=older_than, published_at__not_isnull=True)
    return await query.delete()


def utcnow() -> datetime:
    return datetime.now(UTC)


async def backlog() -> tuple[int, float]:
    """(events not yet relayed, age in seconds of the oldest of them): the relay's lag."""
    waiting = OutboxEvent.filter(published_at__isnull=True)
    count = await waiting.count()
    oldest = await waiting.order_by("id").first().values_list("created_at", flat=True)
    if not count or not isinstance(oldest, datetime):
        return 0, 0.0
    return count, max(0.0, (datetime.now(UTC) - oldest).total_seconds())
