"""`crm app allow-list enable|disable CLIENT_ID` and `crm app allow-list add|remove ...`."""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
from typing import Any

from config import Settings
from library_adapter import graphql_core_schema
from models import App, Brand
from models.db import close_db, init_db
from services.brands import allowlist as query_allowlist
from services.common.actor import Actor
from services.common.errors import DomainError


async def _actor(client_id: str | None, brand_slug: str | None) -> Actor:
    if client_id is not None:
        app = await App.get_or_none(client_id=client_id)
        if app is None:
            raise SystemExit(f"error: no app '{client_id}'")
        return Actor.system(app.brand_id)
    brand = await Brand.get_or_none(slug=brand_slug or "")
    if brand is None:
        raise SystemExit(f"error: no brand '{brand_slug}'")
    return Actor.system(brand.id)


async def _work(args: argparse.Namespace) -> dict[str, Any]:
    client_id: str | None = args.client_id
    actor = await _actor(client_id, getattr(args, "brand", None))
    if args.command in ("enable", "disable"):
        assert client_id is not None
        enabled = args.command == "enable"
        await query_allowlist.set_allow_list_mode(actor, client_id, enabled)
        return {"client_id": client_id, "persisted_queries_only": enabled}
    if args.command == "add":
        from resolvers.brands.apps import schema_problems
        from schema import build_schema

        queries = [Path(name).read_text() for name in args.files]
        problems = schema_problems(graphql_core_schema(build_schema()), queries)
        hashes = await query_allowlist.register_queries(actor, client_id, queries, problems)
        return {"registered": dict(zip(args.files, hashes, strict=True))}
    removed = await query_allowlist.unregister_queries(actor, client_id, args.hashes)
    return {"removed": removed}


def cmd_allow_list(settings: Settings, args: argparse.Namespace) -> None:
    async def run() -> dict[str, Any]:
        await init_db(settings.database_url)
        try:
            return await _work(args)
        finally:
            await close_db()

    try:
        print(json.dumps(asyncio.run(run())))
    except DomainError as exc:
        raise SystemExit(f"error: {exc}") from exc


def register(app_commands: Any) -> None:
    """Add `allow-list` under `crm app`."""
    group = app_commands.add_parser(
        "allow-list", help="persisted-query allow-list mode of partner apps"
    ).add_subparsers(dest="command", required=True)
    for action in ("enable", "disable"):
        cmd = group.add_parser(action, help=f"{action} allow-list mode for an app")
        cmd.add_argument("client_id")
        cmd.set_defaults(func=cmd_allow_list)
    for action, helptext in (("add", "register query files"), ("remove", "unregister hashes")):
        cmd = group.add_parser(action, help=f"{helptext} for an app or (--brand) the whole brand")
        owner = cmd.add_mutually_exclusive_group(required=True)
        owner.add_argument("--client-id", dest="client_id")
        owner.add_argument("--brand")
        if action == "add":
            cmd.add_argument("files", nargs="+", help="one query per .graphql file")
        else:
            cmd.add_argument("hashes", nargs="+")
        cmd.set_defaults(func=cmd_allow_list)
