"""Persisted-query allow-lists: apps that may run only queries an admin registered."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

from tortoise import connections
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from models import App, Brand, PersistedQuery
from models.rows import model_from_row
from models.statements import fetch_rows
from services.common import audit
from services.common.actor import Actor
from services.common.errors import DomainError, ErrorCode, ErrorCollector

MAX_QUERIES_PER_CALL = 200
MAX_QUERY_LENGTH = 100_000
HEX = frozenset("0123456789abcdef")


@dataclass(frozen=True)
class AppState:
    usable: bool  # the app is active and the token's jti is not revoked
    allow_list_only: bool
    generation: int  # the app's token generation: older tokens were cut off by a disable


_BRAND_AND_APP = (
    "SELECT {brand_columns}, a.id AS auth_app_id, a.is_active AS auth_app_active,"
    " a.persisted_queries_only AS auth_allow_list_only, a.token_generation AS auth_generation,"
    " EXISTS (SELECT 1 FROM token_revocations r WHERE r.jti = {jti} AND r.brand_id = b.id)"
    " AS auth_revoked"
    " FROM brands b LEFT JOIN apps a ON a.id = {app_id} AND a.brand_id = b.id"
    " WHERE b.slug = {slug}"
)


@lru_cache(maxsize=2)
def _brand_and_app_sql(on_postgres: bool) -> str:
    marks = ("$1", "$2", "$3") if on_postgres else ("?", "?", "?")
    return _BRAND_AND_APP.format(
        brand_columns=", ".join(f"b.{c}" for c in sorted(Brand._meta.db_fields)),
        jti=marks[0],
        app_id=marks[1],
        slug=marks[2],
    )


async def brand_and_app_state(
    brand_slug: str, app_id: int, jti: str
) -> tuple[Brand | None, AppState | None]:
    """What authentication needs for an app token, in one statement (it runs every request):
    the token's brand, and whether its app (of that brand) is active, in allow-list mode, and
    the token id not revoked in the brand. (None, None): no such brand; (brand, None): no such
    app in it."""
    conn = connections.get("default")
    query = _brand_and_app_sql(conn.capabilities.dialect == "postgres")
    rows = await fetch_rows(conn, query, [jti, app_id, brand_slug])
    if not rows:
        return None, None
    row = rows[0]
    brand = model_from_row(Brand, row)
    if row["auth_app_id"] is None:
        return brand, None
    usable = bool(row["auth_app_active"]) and not row["auth_revoked"]
    allow_list_only = bool(row["auth_allow_list_only"])
    return brand, AppState(usable, allow_list_only, int(row["auth_generation"]))


def _registered(brand_id: int, app_id: int | None, digest: str) -> Q:
    owners = Q(app_id=None) if app_id is None else Q(app_id=app_id) | Q(app_id=None)
    return Q(brand_id=brand_id, sha256=digest) & owners


async def is_registered(brand_id: int, app_id: int | None, digest: str) -> bool:
    """Registered for this app, or for the whole brand."""
    return await PersistedQuery.filter(_registered(brand_id, app_id, digest)).exists()


async def registered_query(brand_id: int, app_id: int | None, digest: str) -> str | None:
    rows = await PersistedQuery.filter(_registered(brand_id, app_id, digest)).limit(1)
    return rows[0].query if rows else None


async def _app_in_brand(actor: Actor, client_id: str | None, lock: bool = False) -> App | None:
    """The brand's app by client id (None means brand-wide); another brand's app is not found."""
    if client_id is None:
        if lock:  # brand-wide rows have no app row to lock (and NULLs escape the unique key)
            await Brand.select_for_update().filter(id=actor.brand_id).first()
        return None
    query = App.filter(brand_id=actor.brand_id, client_id=client_id)
    app = await (query.select_for_update() if lock else query).first()
    if app is None:
        raise DomainError.single("client_id", ErrorCode.NOT_FOUND, f"no app '{client_id}'")
    return app


async def set_allow_list_mode(actor: Actor, client_id: str, enabled: bool) -> App:
    async with in_transaction():
        app = await _app_in_brand(actor, client_id, lock=True)
        assert app is not None
        app.persisted_queries_only = enabled
        await app.save(update_fields=["persisted_queries_only"])
        await audit.record(
            actor, "setAppAllowListMode", "App", app.id, {"enabled": enabled, "client": client_id}
        )
    return app


def _check_queries(queries: list[str], errors: ErrorCollector) -> None:
    if not queries:
        errors.add("queries", ErrorCode.REQUIRED, "give at least one query")
    elif len(queries) > MAX_QUERIES_PER_CALL:
        errors.add("queries", ErrorCode.INVALID, f"at most {MAX_QUERIES_PER_CALL} queries a call")
    for index, query in enumerate(queries):
        if not query.strip():
            errors.add(f"queries.{index}", ErrorCode.REQUIRED, "a query must not be empty")
        elif len(query) > MAX_QUERY_LENGTH:
            errors.add(f"queries.{index}", ErrorCode.TOO_LONG, "query too long")


async def register_queries(
    actor: Actor, client_id: str | None, queries: list[str], invalid: dict[int, str]
) -> list[str]:
    """Register query texts (`invalid`: index -> why the caller's schema refused it).

    Returns each query's SHA-256, the hash clients send as extensions.persistedQuery."""
    errors = ErrorCollector()
    _check_queries(queries, errors)
    for index, why in sorted(invalid.items()):
        errors.add(f"queries.{index}", ErrorCode.INVALID, why)
    errors.raise_if_any()
    digests = [hashlib.sha256(q.encode()).hexdigest() for q in queries]  # as the engine hashes
    async with in_transaction():
        app = await _app_in_brand(actor, client_id, lock=True)  # serialises registrations
        app_id = app.id if app is not None else None
        existing = set(
            await PersistedQuery.filter(
                brand_id=actor.brand_id, app_id=app_id, sha256__in=digests
            ).values_list("sha256", flat=True)
        )
        fresh = {d: q for d, q in zip(digests, queries, strict=True) if d not in existing}
        await PersistedQuery.bulk_create(
            [
                PersistedQuery(brand_id=actor.brand_id, app_id=app_id, sha256=d, query=q)
                for d, q in fresh.items()
            ]
        )
        await audit.record(
            actor,
            "registerPersistedQueries",
            "App" if app is not None else "Brand",
            app_id if app_id is not None else actor.brand_id,
            {"hashes": sorted(fresh)},
        )
    return digests


async def unregister_queries(actor: Actor, client_id: str | None, hashes: list[str]) -> int:
    errors = ErrorCollector()
    wanted = [h.lower() for h in hashes]
    for index, digest in enumerate(wanted):
        if len(digest) != 64 or not set(digest) <= HEX:
            errors.add(f"hashes.{index}", ErrorCode.INVALID, "a hash is 64 hexadecimal digits")
    errors.raise_if_any()
    async with in_transaction():
        app = await _app_in_brand(actor, client_id, lock=True)
        app_id = app.id if app is not None else None
        removed = await PersistedQuery.filter(
            brand_id=actor.brand_id, app_id=app_id, sha256__in=wanted
        ).delete()
        await audit.record(
            actor,
            "unregisterPersistedQueries",
            "App" if app is not None else "Brand",
            app_id if app_id is not None else actor.brand_id,
            {"hashes": sorted(wanted), "removed": removed},
        )
    return int(removed)
