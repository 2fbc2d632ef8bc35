"""`crm appointments remind`: `appointment.reminder_due` for each booked appointment that
starts within the brand's `reminderHours`, once.

Set-based, one statement per brand: an UPDATE marks the due appointments (those not yet
reminded) and returns them, and their events are written in the same transaction. Two runs
at once cannot both mark a row (the second waits on the row locks, then finds it marked),
so a reminder is emitted exactly once however often the job runs; a reschedule clears the
mark, so the new time gets its own reminder.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tortoise.transactions import in_transaction

from events.outbox import emit_many
from models import Brand
from services.appointments.policy import get_policy
from services.common import audit
from services.common.actor import Actor
from services.common.sql import fetch

DUE = (
    "UPDATE appointments SET reminder_sent_at = ? WHERE brand_id = ? AND status = 'BOOKED'"
    " AND reminder_sent_at IS NULL AND starts_at > ? AND starts_at <= ?"
    " RETURNING id, customer_id, store_id, staff_id, service_id, starts_at"
)


async def remind_brand(actor: Actor, now: datetime) -> int:
    policy = await get_policy(actor.brand_id)
    now = now.astimezone(UTC)  # as stored: SQLite compares the times as text
    horizon = now + timedelta(hours=policy.reminder_hours)
    async with in_transaction():
        rows = await fetch(DUE, [now, actor.brand_id, now, horizon])
        events = [
            (
                int(row["customer_id"]),
                ("Appointment", int(row["id"])),
                {
                    "store": int(row["store_id"]),
                    "staff": int(row["staff_id"]),
                    "service": int(row["service_id"]),
                    "status": "BOOKED",
                    "startsAt": _iso(row["starts_at"]),
                },
            )
            for row in sorted(rows, key=lambda r: int(r["id"]))
        ]
        await emit_many(actor, "appointment.reminder_due", events)
        if events:
            details = {"appointments": [e[1][1] for e in events]}
            await audit.record(actor, "remindAppointments", "Brand", actor.brand_id, details)
    return len(events)


def _iso(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    return datetime.fromisoformat(str(value)).isoformat()


async def remind_all(now: datetime, slug: str | None = None) -> dict[str, int]:
    """Per brand slug, the reminders emitted by this run."""
    brands = await (Brand.filter(slug=slug) if slug else Brand.all()).order_by("id")
    done: dict[str, int] = {}
    for brand in brands:
        actor = Actor.system(brand.id, "cli-remind")
        done[brand.slug] = await remind_brand(actor, now)
    return done
