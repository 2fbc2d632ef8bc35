"""`crm migrate | serve | demo | brand | app | user | schema`."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Awaitable, Callable

from auth.live_connections import Revocation
from auth.scopes import ALL_SCOPES, UnknownScope, parse_scopes
from auth.tokens import issue_token
from config import Settings
from events.broker import make_broker
from models import Brand
from models.db import close_db, init_db, run_migrations
from observability.multiprocess import multiprocess_dir, prepare_multiprocess_dir
from services.brands import brands
from services.brands.demo import DEMO_EMAIL, DEMO_PASSWORD, ensure_demo
from services.common.errors import DomainError

DEMO_TOKEN_TTL = 24 * 3600


class CommandError(Exception):
    pass


async def _with_db(settings: Settings, work: Callable[[], Awaitable[None]]) -> None:
    await init_db(settings.database_url)
    try:
        await work()
    finally:
        await close_db()


async def _brand(slug: str) -> Brand:
    brand = await brands.get_brand(slug)
    if brand is None:
        raise CommandError(f"no brand '{slug}'")
    return brand


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> None:
    asyncio.run(run_migrations(settings.database_url))
    print("migrations applied")


def cmd_brand_create(settings: Settings, args: argparse.Namespace) -> None:
    async def work() -> None:
        brand = await brands.create_brand(
            args.slug,
            args.name,
            currency=args.currency,
            timezone=args.timezone,
            phone_region=args.phone_region,
            locale=args.locale,
        )
        print(json.dumps({"slug": brand.slug, "name": brand.name}))

    asyncio.run(_with_db(settings, work))


def cmd_app_create(settings: Settings, args: argparse.Namespace) -> None:
    try:
        scopes = sorted(parse_scopes(args.scopes))
    except UnknownScope as exc:
        raise CommandError(f"{exc}; known scopes: {' '.join(sorted(ALL_SCOPES))}") from exc

    async def work() -> None:
        created = await brands.create_app(await _brand(args.brand), args.name, scopes)
        print(
            json.dumps(
                {
                    "client_id": created.app.client_id,
                    "client_secret": created.client_secret,
                    "scopes": " ".join(scopes),
                }
            )
        )

    asyncio.run(_with_db(settings, work))


def cmd_app_set_active(settings: Settings, args: argparse.Namespace) -> None:
    async def work() -> None:
        app = await brands.set_app_active(args.client_id, args.command == "enable")
        if app is None:
            raise CommandError(f"no app '{args.client_id}'")
        if not app.is_active:
            await announce_app_disabled(settings, app.brand_id, app.id)
        print(f"{args.client_id} {'enabled' if app.is_active else 'disabled'}")

    asyncio.run(_with_db(settings, work))


async def announce_app_disabled(settings: Settings, brand_id: int, app_id: int) -> None:
    """With Redis, the servers close the app's websockets at once; without, their periodic
    re-check does within CRM_WS_TOKEN_RECHECK_SECONDS."""
    if not settings.redis_url:
        return
    broker = make_broker(settings.redis_url, settings.redis_prefix)
    try:
        await broker.publish_notice(Revocation(brand_id, subject=f"app:{app_id}").to_json())
    finally:
        await broker.close()


def cmd_user_create(settings: Settings, args: argparse.Namespace) -> None:
    async def work() -> None:
        brand = await _brand(args.brand)
        user = await brands.create_staff_user(
            brand, args.email, args.password, args.role, args.name
        )
        print(json.dumps({"email": user.email, "role": user.role, "brand": brand.slug}))

    asyncio.run(_with_db(settings, work))


def _print_demo(settings: Settings, host: str, port: int) -> None:
    async def work() -> None:
        demo = await ensure_demo(sorted(ALL_SCOPES))
        token = issue_token(
            settings,
            "app",
            demo.app.id,
            demo.brand.slug,
            frozenset(demo.app.scopes.split()),
            DEMO_TOKEN_TTL,
            demo.app.token_generation,
        )
        url = f"http://{host}:{port}/graphql"
        print(f"\nDemo brand '{demo.brand.slug}' ({demo.brand.display_name}) is ready.")
        print(f"  GraphiQL:    {url}  (paste the token below into its Headers tab)")
        print(f"  Dashboard:   http://{host}:{port}/dashboard")
        print(f"  Staff login: brand=demo email={DEMO_EMAIL} password={DEMO_PASSWORD}")
        print(f"  Demo token (all scopes, 24 h):\n\n{token.token}\n")
        print(
            f"  Try: curl -s {url} -H 'Authorization: Bearer <token>' "
            "-H 'Content-Type: application/json' "
            '-d \'{"query": "{ customers(first: 5) { edges { node { name phone } } } }"}\'\n'
        )

    asyncio.run(_with_db(settings, work))


def cmd_demo(settings: Settings, args: argparse.Namespace) -> None:
    asyncio.run(run_migrations(settings.database_url))
    _print_demo(settings, args.host, args.port)


def cmd_serve(settings: Settings, args: argparse.Namespace) -> None:
    """One process, or with `--workers N` a supervisor of N worker processes (production)."""
    import uvicorn

    if args.migrate or args.demo:
        asyncio.run(run_migrations(settings.database_url))
    if args.demo:
        _print_demo(settings, args.host, args.port)
    # uvicorn's access log shows addresses and query strings: the JSON request log replaces it.
    options = {"host": args.host, "port": args.port, "log_level": "info"}
    options["access_log"] = not settings.request_log
    if args.workers > 1 or multiprocess_dir():  # before prometheus-client is imported
        print(f"note: metrics of the workers in {prepare_multiprocess_dir()}")
    if args.workers > 1:
        if not settings.redis_url:
            print(
                "note: without CRM_REDIS_URL each worker has its own rate limits and live "
                "events reach only the worker that relays them",
                file=sys.stderr,
            )
        uvicorn.run("server:create_app", factory=True, workers=args.workers, **options)
        return
    from server import create_app

    uvicorn.run(create_app(settings), **options)


def cmd_schema(settings: Settings | None, args: argparse.Namespace) -> None:
    from schema import printed_sdl

    sys.stdout.write(printed_sdl())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="crm", description="Headless CRM and loyalty backend")
    sub = parser.add_subparsers(dest="group", required=True)
    sub.add_parser("migrate", help="apply database migrations").set_defaults(func=cmd_migrate)
    for name, func, helptext in (
        ("serve", cmd_serve, "run the HTTP server"),
        ("demo", cmd_demo, "create the demo brand, print a token"),
    ):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("--host", default=os.environ.get("CRM_HOST") or "127.0.0.1")
        p.add_argument("--port", type=int, default=int(os.environ.get("CRM_PORT") or 8000))
        if name == "serve":
            p.add_argument("--migrate", action="store_true", help="apply migrations first")
            p.add_argument("--demo", action="store_true", help="load the demo brand, print token")
            p.add_argument(
                "--workers",
                type=int,
                default=int(os.environ.get("CRM_WORKERS") or 1),
                help="worker processes (production: 2 or more, with PostgreSQL and Redis)",
            )
        p.set_defaults(func=func)
    schema = sub.add_parser("schema", help="print the GraphQL SDL")
    schema.set_defaults(func=cmd_schema, needs_settings=False)  # no database, no var/ secret

    brand = sub.add_parser("brand").add_subparsers(dest="command", required=True)
    create = brand.add_parser("create", help="create a brand")
    create.add_argument("slug")
    create.add_argument("--name", required=True)
    create.add_argument("--currency", default="CNY")
    create.add_argument("--timezone", default="Asia/Shanghai")
    create.add_argument("--phone-region", default="CN")
    create.add_argument("--locale", default="zh-CN")
    create.set_defaults(func=cmd_brand_create)

    app = sub.add_parser("app").add_subparsers(dest="command", required=True)
    create = app.add_parser("create", help="create partner app credentials")
    create.add_argument("--brand", required=True)
    create.add_argument("--name", required=True)
    create.add_argument("--scopes", required=True, help='e.g. "customers:write pii:read"')
    create.set_defaults(func=cmd_app_create)
    for action in ("disable", "enable"):
        toggle = app.add_parser(action, help=f"{action} an app (disabling revokes its tokens)")
        toggle.add_argument("client_id")
        toggle.set_defaults(func=cmd_app_set_active)
    from cli.allowlist import register as add_allow_list_commands  # persisted-query allow-lists

    add_allow_list_commands(app)

    user = sub.add_parser("user").add_subparsers(dest="command", required=True)
    create = user.add_parser("create", help="create a staff user")
    create.add_argument("--brand", required=True)
    create.add_argument("--email", required=True)
    create.add_argument("--password", required=True)
    create.add_argument("--role", required=True, help="OWNER MANAGER AGENT CLERK MARKETER ANALYST")
    create.add_argument("--name", default="")
    create.set_defaults(func=cmd_user_create)

    from cli.service import add_commands as add_service_commands  # tickets and surveys

    add_service_commands(sub)
    from cli.loyalty import register as add_loyalty_commands  # tiers, analytics, points

    add_loyalty_commands(sub)
    from cli.offers import register as add_offer_commands  # scheduled coupons

    add_offer_commands(sub)
    from cli.appointments import register as add_appointment_commands  # reminders

    add_appointment_commands(sub)
    from cli.onboarding import register as add_onboarding_commands  # imports, exports

    add_onboarding_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    if not getattr(args, "needs_settings", True):
        args.func(None, args)
        return
    settings = Settings.from_env()
    for notice in settings.notices:
        print(f"note: {notice}", file=sys.stderr)
    try:
        args.func(settings, args)
    except (CommandError, DomainError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc


if __name__ == "__main__":
    main()
