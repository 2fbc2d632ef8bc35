"""`crm tickets sla --brand SLUG`: flag tickets whose SLA clocks ran out."""

from __future__ import annotations

import argparse
import asyncio
import json
from datetime import UTC, datetime

from config import Settings
from models import Brand
from models.db import close_db, init_db
from services.common.actor import Actor
from services.surveys import delivery
from services.tickets.query import mark_breaches


class NoSuchBrand(Exception):
    pass


async def sweep(slug: str, now: datetime | None = None) -> dict[str, list[int]]:
    brand = await Brand.get_or_none(slug=slug)
    if brand is None:
        raise NoSuchBrand(f"no brand '{slug}'")
    result = await mark_breaches(Actor.system(brand.id, "cli-sla"), now or datetime.now(UTC))
    return {"firstResponse": result.first_response, "resolution": result.resolution}


def cmd_tickets_sla(settings: Settings, args: argparse.Namespace) -> None:
    async def work() -> None:
        await init_db(settings.database_url)
        try:
            print(json.dumps(await sweep(args.brand)))
        finally:
            await close_db()

    try:
        asyncio.run(work())
    except NoSuchBrand as exc:
        raise SystemExit(f"error: {exc}") from exc


async def remind(slug: str | None) -> list[dict[str, object]]:
    """Survey reminders for one brand or every brand: one line per brand."""
    brands = await Brand.all().order_by("id") if slug is None else await Brand.filter(slug=slug)
    if slug is not None and not brands:
        raise NoSuchBrand(f"no brand '{slug}'")
    results: list[dict[str, object]] = []
    for brand in brands:
        sent = await delivery.send_reminders(Actor.system(brand.id, "cli-survey-reminders"))
        results.append({"brand": brand.slug, "reminded": sent})
    return results


def cmd_surveys_remind(settings: Settings, args: argparse.Namespace) -> None:
    async def work() -> None:
        await init_db(settings.database_url)
        try:
            for line in await remind(args.brand):
                print(json.dumps(line))
        finally:
            await close_db()

    try:
        asyncio.run(work())
    except NoSuchBrand as exc:
        raise SystemExit(f"error: {exc}") from exc


def add_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    tickets = sub.add_parser("tickets").add_subparsers(dest="command", required=True)
    sla = tickets.add_parser("sla", help="mark tickets whose SLA clocks ran out as breached")
    sla.add_argument("--brand", required=True, help="the brand's slug")
    sla.set_defaults(func=cmd_tickets_sla)
    surveys = sub.add_parser("surveys").add_subparsers(dest="command", required=True)
    reminders = surveys.add_parser("remind", help="remind unanswered survey invitations once")
    reminders.add_argument("--brand", default=None, help="one brand (default: every brand)")
    reminders.set_defaults(func=cmd_surveys_remind)
