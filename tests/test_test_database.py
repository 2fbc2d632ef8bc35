"""The README's PostgreSQL test instructions work as written: a test database that does not
exist yet is created by the test setup."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from tests.conftest import ON_POSTGRES, TEST_DATABASE_URL, _reset_postgres

pytestmark = pytest.mark.skipif(not ON_POSTGRES, reason="needs CRM_TEST_DATABASE_URL (PostgreSQL)")


async def test_a_missing_test_database_is_created() -> None:
    name = f"crm_created_{uuid.uuid4().hex[:10]}"
    base, _, _ = TEST_DATABASE_URL.rpartition("/")
    url = f"{base}/{name}"
    dsn = url.replace("postgres://", "postgresql://", 1)
    with pytest.raises(asyncpg.InvalidCatalogNameError):
        await asyncpg.connect(dsn)
    await _reset_postgres(url)
    try:
        conn = await asyncpg.connect(dsn)
        try:
            assert await conn.fetchval("SELECT current_database()") == name
            assert (
                await conn.fetchval("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
                == 0
            )
        finally:
            await conn.close()
    finally:
        admin = await asyncpg.connect(f"{base.replace('postgres://', 'postgresql://', 1)}/postgres")
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        finally:
            await admin.close()
