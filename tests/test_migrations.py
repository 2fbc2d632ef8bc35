"""Upgrading a database that already holds data, not only creating a fresh one.

Runs in a subprocess: migrating re-initialises Tortoise's global state, which this test
session's own database connection lives in.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
UPGRADE = """
import asyncio, sys
from tortoise import Tortoise
from tortoise.migrations.api.migrate import migrate
from models.db import tortoise_config

async def main(url):
    config = tortoise_config(url)
    # crm's migrations depend on stores' 0001 (purchases refer to stores): load both
    await migrate(config=config, app_labels=["crm", "stores"], target="crm.0002_auto_20261122_2137")
    await Tortoise.close_connections()
    await Tortoise.init(config=config)
    conn = Tortoise.get_connection("default")
    await conn.execute_script(
        "INSERT INTO brands (slug, name, display_name, currency, timezone, locale, phone_region,"
        " created_at, updated_at) VALUES ('b', 'B', 'B', 'CNY', 'UTC', 'en', 'CN',"
        " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP);"
        "INSERT INTO apps (brand_id, name, client_id, secret_hash, scopes, is_active, created_at)"
        " VALUES (1, 'pos', 'client', 'hash', 'customers:read', TRUE, CURRENT_TIMESTAMP);"
        "INSERT INTO revoked_tokens (jti, brand_id, revoked_at)"
        " VALUES ('j1', 1, CURRENT_TIMESTAMP)")
    await Tortoise.close_connections()
    await migrate(config=config)
    await Tortoise.close_connections()
    await Tortoise.init(config=config)
    rows = await Tortoise.get_connection("default").execute_query_dict(
        "SELECT client_id, persisted_queries_only FROM apps")
    print(rows)
    rows = await Tortoise.get_connection("default").execute_query_dict(
        "SELECT brand_id, jti FROM token_revocations")
    print(rows)
    await Tortoise.close_connections()

asyncio.run(main(sys.argv[1]))
"""


def test_migrations_upgrade_a_database_holding_apps_and_revocations(tmp_path: Path) -> None:
    url = f"sqlite://{tmp_path / 'old.sqlite3'}"
    done = subprocess.run(
        [sys.executable, "-c", UPGRADE, url], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    apps, revocations = done.stdout.strip().splitlines()
    assert apps == "[{'client_id': 'client', 'persisted_queries_only': 0}]"
    assert revocations == "[{'brand_id': 1, 'jti': 'j1'}]"  # kept, now per brand


async def test_the_outbox_is_vacuumed_as_the_queue_it_is() -> None:
    """The relay's index on unpublished rows fills with dead entries as rows are relayed; the
    migration has PostgreSQL vacuum the table after 1 % of it changed, not 20 %."""
    from tortoise import Tortoise

    from tests.conftest import ON_POSTGRES

    if not ON_POSTGRES:
        pytest.skip("autovacuum is PostgreSQL's")
    conn = Tortoise.get_connection("default")
    rows = await conn.execute_query_dict(
        "SELECT reloptions FROM pg_class WHERE relname = 'outbox_events'"
    )
    assert "autovacuum_vacuum_scale_factor=0.01" in rows[0]["reloptions"]
