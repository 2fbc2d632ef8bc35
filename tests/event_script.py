"""Real operations that emit the event types of partner apps, consent, personal-data exports,
stores and appointments, referrals and behaviour tracking (tests/test_event_schemas.py): the
audit session's domain scripts (tests/audit_script_<domain>.py) and the jobs the CLI runs."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from models.appointments import Appointment
from models.events import OutboxEvent
from resolvers.ids import decode_id
from services.appointments.reminders import remind_all
from tests import audit_script_booking, audit_script_growth
from tests.audit_script import Session
from tests.support import GraphQL


async def remind(appointment_id: str, slug: str) -> None:
    """`crm appointments remind` once the appointment starts within the reminder window."""
    row = await Appointment.get(id=decode_id(appointment_id, "Appointment"))
    start = datetime.now(UTC) + timedelta(hours=5)
    length = row.blocks_until - row.starts_at
    row.starts_at, row.ends_at, row.blocks_until = start, start + timedelta(hours=1), start + length
    await row.save()
    assert await remind_all(datetime.now(UTC), slug) == {slug: 1}


async def export_finished(customer: str, s: Session) -> None:
    """A data export requested through the API, finished by the app's job runner."""
    await s.do("exportCustomerData", "ExportCustomerDataInput", {"customerId": customer})
    for _ in range(400):
        if await OutboxEvent.filter(type="customer.data_export_finished").exists():
            return
        await asyncio.sleep(0.025)
    raise AssertionError("the export job did not finish")


async def newer_events(gql: GraphQL, token: str, slug: str, customer: str) -> None:
    s = Session(gql, token)
    await s.do("createApp", "CreateAppInput", {"name": "POS", "scopes": ["customers:read"]})
    salon = await audit_script_booking.script(s, customer)
    await remind(salon.upcoming, slug)
    await audit_script_growth.referrals(s, customer)
    await audit_script_growth.tracking(s, customer)
    await export_finished(customer, s)
