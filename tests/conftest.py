from __future__ import annotations

import dataclasses
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

import asyncpg
import httpx
import pytest
from tortoise import Tortoise

from config import Settings
from models.db import close_db, init_db, run_migrations
from server import create_app
from tests.support import GraphQL

TEST_DATABASE_URL = os.environ.get("CRM_TEST_DATABASE_URL", "")
TEST_REDIS_URL = os.environ.get("CRM_TEST_REDIS_URL") or None
ON_POSTGRES = TEST_DATABASE_URL.startswith(("postgres://", "postgresql://"))


def pytest_report_header() -> list[str]:
    backend = "PostgreSQL " + TEST_DATABASE_URL if ON_POSTGRES else "SQLite (temporary file)"
    return [f"crm database: {backend}", f"crm redis: {TEST_REDIS_URL or 'not configured'}"]


async def _reset_postgres(url: str) -> None:
    dsn = url.replace("postgres://", "postgresql://", 1)
    try:
        conn = await asyncpg.connect(dsn)
    except asyncpg.InvalidCatalogNameError:  # the README's first run: create it
        await create_database(dsn)
        conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;")
    finally:
        await conn.close()


async def create_database(dsn: str) -> None:
    """Creates the database a URL names, from the server's `postgres` database; stops the run
    with one clear message when it cannot."""
    parts = urlsplit(dsn)
    name = unquote(parts.path.lstrip("/"))
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    try:
        conn = await asyncpg.connect(maintenance)
        try:
            await conn.execute(f'CREATE DATABASE "{name.replace(chr(34), chr(34) * 2)}"')
        finally:
            await conn.close()
    except (OSError, asyncpg.PostgresError) as exc:
        pytest.exit(
            f"CRM_TEST_DATABASE_URL names database {name!r}, which does not exist and could "
            f"not be created ({type(exc).__name__}: {exc}); create it with "
            f"`createdb {name}` or point the variable at an existing database",
            returncode=4,
        )


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    if ON_POSTGRES:
        return TEST_DATABASE_URL
    path: Path = tmp_path_factory.mktemp("db") / "crm-test.sqlite3"
    return f"sqlite://{path}"


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        database_url=database_url,
        var_dir=tmp_path_factory.mktemp("var"),  # job files (docs/jobs.md)
        jobs_poll_seconds=0.2,
        redis_url=TEST_REDIS_URL,
        jwt_secret="test-secret-that-is-long-enough-for-hs256-0123456789",
        jwt_leeway_seconds=0,
        redis_prefix=f"crm-test-{uuid.uuid4().hex[:8]}",
        rate_limit_per_second=1e6,  # tests/test_protection.py sets its own limits
        rate_limit_burst=1e9,
        refusal_delay_ms=0,  # 429s at once; tests/test_hostile_tarpit.py sets its own delay
    )


@pytest.fixture(scope="session", autouse=True)
async def database(database_url: str) -> AsyncIterator[None]:
    """Migrate a fresh database once (this also tests the migrations), then share it."""
    if ON_POSTGRES:
        try:
            await _reset_postgres(database_url)
        except (OSError, asyncpg.PostgresError) as exc:  # stop once, saying why
            pytest.exit(
                f"cannot use CRM_TEST_DATABASE_URL={database_url}: {type(exc).__name__}: {exc}",
                returncode=4,
            )
    await run_migrations(database_url)
    await init_db(database_url)
    yield
    await close_db()


def _tables() -> list[str]:
    return [
        model._meta.db_table
        for app in (Tortoise.apps or {}).values()
        for model in app.values()
        if model._meta.db_table
    ]


@pytest.fixture(autouse=True)
async def forget_failed_credentials(settings: Settings) -> AsyncIterator[None]:
    """Wrong passwords and secrets are counted in Redis across apps (auth.credential_throttle);
    each test starts with none, as it does in the process without Redis."""
    yield
    if settings.redis_url:
        from redis.asyncio import Redis

        client = Redis.from_url(settings.redis_url)
        try:
            keys = [k async for k in client.scan_iter(f"{settings.redis_prefix}:credentials:*")]
            if keys:
                await client.delete(*keys)
        finally:
            await client.aclose()


@pytest.fixture(autouse=True)
async def clean_tables(database: None) -> AsyncIterator[None]:
    yield
    connection = Tortoise.get_connection("default")
    tables = _tables()
    if ON_POSTGRES:
        quoted = ", ".join(f'"{t}"' for t in tables)
        await connection.execute_script(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")
    else:
        script = "".join(f'DELETE FROM "{t}";' for t in tables)
        await connection.execute_script(f"PRAGMA foreign_keys=OFF;{script}PRAGMA foreign_keys=ON;")


@pytest.fixture
async def http(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, manage_db=False)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://test") as client,
    ):
        yield client


@pytest.fixture
def gql(http: httpx.AsyncClient) -> GraphQL:
    return GraphQL(http)


# Background jobs (docs/jobs.md): an app without its own job runner, for tests that run the
# queued jobs themselves (tests/imports_support.run_jobs) at the moment they choose.
@pytest.fixture
def quiet_settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, jobs_runner=False)


@pytest.fixture
async def quiet_http(quiet_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(quiet_settings, manage_db=False)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://test") as client,
    ):
        yield client


@pytest.fixture
def api(quiet_http: httpx.AsyncClient) -> GraphQL:
    return GraphQL(quiet_http)
