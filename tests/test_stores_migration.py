"""Upgrading a database whose purchases, survey invitations and answers name stores in free
text: each distinct text (per brand, trimmed) becomes a store, every row points at its store,
nothing is lost (child rows such as purchase items included: SQLite's table rebuild would
have dropped them). On SQLite, and on PostgreSQL in a scratch database beside the test one.

Runs in a subprocess: migrating re-initialises Tortoise's global state.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from tests.conftest import ON_POSTGRES, TEST_DATABASE_URL

ROOT = Path(__file__).resolve().parent.parent
UPGRADE = """
import asyncio, json, sys
from tortoise import Tortoise
from tortoise.migrations.api.migrate import migrate
from models.db import tortoise_config

OLD = ["crm.0004_token_revocations_per_brand", "service.0002_purchase_surveys"]
ROWS = [
    "INSERT INTO brands (slug, name, display_name, currency, timezone, locale, phone_region,"
    " created_at, updated_at) VALUES ('a', 'A', 'A', 'CNY', 'Asia/Shanghai', 'zh', 'CN',"
    " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP), ('b', 'B', 'B', 'GBP', 'Europe/London', 'en', 'GB',"
    " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
    "INSERT INTO customers (brand_id, name, gender, marketing_consent, created_at, updated_at)"
    " VALUES (1, 'Li', 'UNKNOWN', FALSE, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),"
    " (2, 'Ann', 'UNKNOWN', FALSE, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
    "INSERT INTO purchases (brand_id, customer_id, amount, refunded_amount, points_earned,"
    " points_reversed, points_unrecovered, store_id, occurred_at, created_at) VALUES"
    " (1, 1, '10.00', '0', 0, 0, 0, 'SH-01', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),"
    " (1, 1, '11.00', '0', 0, 0, 0, ' SH-01 ', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),"
    " (1, 1, '12.00', '0', 0, 0, 0, 'BJ-02', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),"
    " (1, 1, '13.00', '0', 0, 0, 0, NULL, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),"
    " (2, 2, '14.00', '0', 0, 0, 0, 'SH-01', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
    "INSERT INTO purchase_items (brand_id, purchase_id, sku, name, quantity, unit_price)"
    " VALUES (1, 1, 'LATTE', 'Latte', 1, '10.00')",
    "INSERT INTO surveys (brand_id, name, kind, status, questions, reward_points, created_at,"
    " updated_at) VALUES (1, 'NPS', 'NPS', 'ACTIVE', '[]', 0, CURRENT_TIMESTAMP,"
    " CURRENT_TIMESTAMP)",
    "INSERT INTO survey_invitations (brand_id, survey_id, customer_id, token, channel, store,"
    " trigger, sent_at) VALUES (1, 1, 1, 't1', 'STORE', 'Xi''an 1', 'MANUAL', CURRENT_TIMESTAMP),"
    " (1, 1, 1, 't2', 'APP', 'BJ-02', 'MANUAL', CURRENT_TIMESTAMP)",
    "INSERT INTO survey_responses (brand_id, survey_id, invitation_id, customer_id, answers,"
    " nps_score, channel, store, submitted_at) VALUES"
    " (1, 1, 1, 1, '{}', 9, 'STORE', 'Xi''an 1', CURRENT_TIMESTAMP)",
]


async def main(url):
    config = tortoise_config(url)
    for target in OLD:
        await migrate(config=config, app_labels=["crm", "service", "stores"], target=target)
        await Tortoise.close_connections()
    await Tortoise.init(config=config)
    conn = Tortoise.get_connection("default")
    for sql in ROWS:
        await conn.execute_script(sql)
    await Tortoise.close_connections()
    await migrate(config=config)
    await Tortoise.close_connections()
    await Tortoise.init(config=config)
    conn = Tortoise.get_connection("default")
    out = {}
    for name, sql in {
        "stores": "SELECT brand_id, code, name, timezone, status FROM stores"
        " ORDER BY brand_id, code",
        "purchases": "SELECT p.amount, s.code FROM purchases p LEFT JOIN stores s"
        " ON s.id = p.store_id AND s.brand_id = p.brand_id ORDER BY p.id",
        "invitations": "SELECT i.token, s.code FROM survey_invitations i JOIN stores s"
        " ON s.id = i.store_id ORDER BY i.id",
        "responses": "SELECT s.code FROM survey_responses r JOIN stores s ON s.id = r.store_id",
        "items": "SELECT purchase_id, sku FROM purchase_items",
    }.items():
        out[name] = [list(r.values()) for r in await conn.execute_query_dict(sql)]
    print(json.dumps(out, default=str))
    await Tortoise.close_connections()

asyncio.run(main(sys.argv[1]))
"""


@pytest.fixture
def upgrade_url(tmp_path: Path) -> Iterator[str]:
    if not ON_POSTGRES:
        yield f"sqlite://{tmp_path / 'old.sqlite3'}"
        return
    import asyncio

    base = TEST_DATABASE_URL.replace("postgres://", "postgresql://", 1)
    name = base.rsplit("/", 1)[1] + "_upgrade"

    async def run(sql: str) -> None:
        conn = await asyncpg.connect(base)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(run(f'DROP DATABASE IF EXISTS "{name}"'))
        loop.run_until_complete(run(f'CREATE DATABASE "{name}"'))
        yield TEST_DATABASE_URL.rsplit("/", 1)[0] + "/" + name
        loop.run_until_complete(run(f'DROP DATABASE IF EXISTS "{name}"'))
    finally:
        loop.close()


def test_free_text_stores_become_stores(upgrade_url: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", UPGRADE, upgrade_url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["stores"] == [
        [1, "BJ-02", "BJ-02", "Asia/Shanghai", "OPEN"],
        [1, "SH-01", "SH-01", "Asia/Shanghai", "OPEN"],
        [1, "Xi'an 1", "Xi'an 1", "Asia/Shanghai", "OPEN"],
        [2, "SH-01", "SH-01", "Europe/London", "OPEN"],  # the same text, another brand's store
    ]
    assert [code for _, code in found["purchases"]] == ["SH-01", "SH-01", "BJ-02", None, "SH-01"]
    assert found["invitations"] == [["t1", "Xi'an 1"], ["t2", "BJ-02"]]
    assert found["responses"] == [["Xi'an 1"]]
    assert found["items"] == [[1, "LATTE"]]  # child rows of the altered tables are kept
