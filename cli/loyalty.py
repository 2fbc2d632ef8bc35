"""`crm tiers review | analytics refresh | points expire --brand SLUG`: set-based loyalty jobs."""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from typing import Any

from config import Settings
from models import Brand
from models.db import close_db, init_db
from services.analytics import refresh as analytics
from services.brands import brands
from services.common.actor import Actor
from services.loyalty import expiry as points_expiry
from services.loyalty import tier_review


async def _run(settings: Settings, slug: str, job: str) -> dict[str, Any]:
    await init_db(settings.database_url)
    try:
        brand = await brands.get_brand(slug)
        if brand is None:
            raise SystemExit(f"error: no brand '{slug}'")
        return await run_job(brand, job)
    finally:
        await close_db()


async def run_job(brand: Brand, job: str) -> dict[str, Any]:
    started = time.perf_counter()
    if job == "review":
        result: dict[str, Any] = {"changed": await tier_review.review(brand)}
    elif job == "refresh":
        result = await analytics.refresh(brand)  # lifecycle, baskets, churn model, clusters
    else:
        result = {"expired": await points_expiry.expire_due(Actor.system(brand.id))}
    result["seconds"] = round(time.perf_counter() - started, 3)
    return result


def _command(job: str) -> Any:
    def command(settings: Settings, args: argparse.Namespace) -> None:
        print(json.dumps({"brand": args.brand, **asyncio.run(_run(settings, args.brand, job))}))

    return command


def register(sub: Any) -> None:
    """Add the loyalty subcommands to the `crm` parser."""
    jobs = (
        ("tiers", "review", "re-qualify every member (upgrades, due downgrades)"),
        ("analytics", "refresh", "lifecycle, RFM, baskets, churn model and clusters"),
        ("points", "expire", "release pending points and expire what is due"),
    )
    for group, action, helptext in jobs:
        parser = sub.add_parser(group).add_subparsers(dest="command", required=True)
        cmd = parser.add_parser(action, help=helptext)
        cmd.add_argument("--brand", required=True)
        cmd.set_defaults(func=_command(action))
