"""`crm appointments remind [--brand SLUG]`: emit `appointment.reminder_due` for appointments
starting within each brand's `reminderHours`, once each (safe to re-run; run it every few
minutes from cron or a scheduler)."""

from __future__ import annotations

import argparse
import asyncio
import json
from datetime import UTC, datetime

from config import Settings
from models.db import close_db, init_db
from services.appointments.reminders import remind_all


async def _remind(settings: Settings, slug: str | None) -> dict[str, int]:
    await init_db(settings.database_url)
    try:
        return await remind_all(datetime.now(UTC), slug)
    finally:
        await close_db()


def cmd_remind(settings: Settings, args: argparse.Namespace) -> None:
    done = asyncio.run(_remind(settings, args.brand))
    if args.brand and not done:
        raise SystemExit(f"error: no brand '{args.brand}'")
    print(json.dumps({"reminders": done}))


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    appointments = sub.add_parser("appointments").add_subparsers(dest="command", required=True)
    remind = appointments.add_parser(
        "remind", help="emit appointment.reminder_due for appointments starting soon (once each)"
    )
    remind.add_argument("--brand", help="one brand's slug (default: every brand)")
    remind.set_defaults(func=cmd_remind)
