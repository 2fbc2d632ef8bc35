"""`crm offers run-schedules [--brand SLUG]`: birthday, welcome and tier-upgrade coupons."""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from typing import Any

from config import Settings
from models import Brand
from models.db import close_db, init_db
from services.brands import brands
from services.offers import schedules as offer_schedules


async def _run(settings: Settings, slug: str | None) -> list[dict[str, Any]]:
    await init_db(settings.database_url)
    try:
        if slug is None:
            targets = await Brand.all().order_by("id")
        else:
            found = await brands.get_brand(slug)
            if found is None:
                raise SystemExit(f"error: no brand '{slug}'")
            targets = [found]
        results = []
        for brand in targets:
            started = time.perf_counter()
            counts = await offer_schedules.run_schedules(brand)
            seconds = round(time.perf_counter() - started, 3)
            results.append({"brand": brand.slug, **counts, "seconds": seconds})
        return results
    finally:
        await close_db()


def cmd_run_schedules(settings: Settings, args: argparse.Namespace) -> None:
    for line in asyncio.run(_run(settings, args.brand)):
        print(json.dumps(line))


def register(sub: Any) -> None:
    """Add `crm offers ...` to the `crm` parser."""
    parser = sub.add_parser("offers").add_subparsers(dest="command", required=True)
    cmd = parser.add_parser("run-schedules", help="issue scheduled coupons, expire old ones")
    cmd.add_argument("--brand", default=None, help="one brand (default: every brand)")
    cmd.set_defaults(func=cmd_run_schedules)
