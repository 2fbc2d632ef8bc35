"""The loyalty jobs as operators run them: `crm tiers review`, `crm points expire`,
`crm analytics refresh`, each a subprocess against the test database."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from config import Settings
from models import Membership, PointsTransaction
from resolvers.ids import decode_id
from services.common.actor import Actor
from services.loyalty import config as loyalty_config
from tests.concurrency import assert_ledger_consistent
from tests.loyalty_support import AWARD, REFUND, loyalty, mutate, record
from tests.support import GraphQL, app_token, create_customer, make_brand
from tests.test_loyalty_tiers import months_ago

ROOT = Path(__file__).resolve().parent.parent


async def crm(settings: Settings, tmp_path: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    env = {
        **os.environ,
        "CRM_DATABASE_URL": settings.database_url,
        "CRM_JWT_SECRET": settings.jwt_secret,
        "CRM_VAR_DIR": str(tmp_path),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "cli",
        *args,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    lines = out.decode().strip().splitlines()
    body = json.loads(lines[-1]) if process.returncode == 0 and lines else {}
    return int(process.returncode or 0), body, err.decode()


async def test_tiers_review_command(gql: GraphQL, settings: Settings, tmp_path: Path) -> None:
    brand = await make_brand()
    token = await app_token(settings, brand)
    await loyalty_config.set_settings(Actor.system(brand.id), {"grace_days": 0})
    lapsed = await create_customer(gql, token, name="Lapsed")
    climber = await create_customer(gql, token, name="Climber")
    await record(gql, token, customerId=lapsed["id"], amount="300", occurredAt=months_ago(9))
    for n in (4, 3, 2, 1):
        await record(gql, token, customerId=climber["id"], amount="300", occurredAt=months_ago(n))
    gold = await loyalty_config.tier_by_name(brand.id, "Gold", "tier")
    long_ago = datetime(2020, 1, 1, tzinfo=UTC)
    await Membership.filter(customer_id=decode_id(lapsed["id"], "Customer")).update(
        tier_id=gold.id, tier_since=long_ago, next_review_at=long_ago
    )
    # an upgrade a purchase missed (the ladder changed): the review catches it up
    await Membership.filter(customer_id=decode_id(climber["id"], "Customer")).update(
        tier_id=(await loyalty_config.tier_by_name(brand.id, "Regular", "tier")).id
    )
    code, body, err = await crm(settings, tmp_path, "tiers", "review", "--brand", brand.slug)
    assert code == 0, err
    assert body["brand"] == brand.slug and body["changed"] == 2
    down = (await loyalty(gql, token, lapsed["id"]))["membership"]
    assert down["tier"]["name"] == "Regular"
    assert down["tierHistory"][0]["fromTier"] == "Gold"
    assert (await loyalty(gql, token, climber["id"]))["membership"]["tier"]["name"] == "Silver"
    code, body, err = await crm(settings, tmp_path, "tiers", "review", "--brand", brand.slug)
    assert (code, body["changed"]) == (0, 0)
    code, _, err = await crm(settings, tmp_path, "tiers", "review", "--brand", "nobody")
    assert code != 0 and "no brand" in err


async def test_points_expire_command(gql: GraphQL, settings: Settings, tmp_path: Path) -> None:
    brand = await make_brand()
    token = await app_token(settings, brand)
    actor = Actor.system(brand.id)
    await loyalty_config.set_settings(actor, {"expiry_rule": "DAYS", "expiry_days": 30})
    c = await create_customer(gql, token, name="Li")
    pk = decode_id(c["id"], "Customer")
    await mutate(gql, token, AWARD, "awardPoints", customerId=c["id"], points=60)
    await mutate(gql, token, AWARD, "awardPoints", customerId=c["id"], points=25)
    first = await PointsTransaction.filter(customer_id=pk, kind="EARN").order_by("id").first()
    assert first is not None
    yesterday = datetime.now(UTC) - timedelta(days=1)
    await PointsTransaction.filter(id=first.id).update(expires_at=yesterday)
    code, body, err = await crm(settings, tmp_path, "points", "expire", "--brand", brand.slug)
    assert code == 0, err
    assert body["expired"] == 60
    data = await loyalty(gql, token, c["id"])
    assert (data["points"]["available"], data["points"]["expired"]) == (25, 60)
    assert data["pointsTransactions"]["edges"][0]["node"]["kind"] == "EXPIRE"
    await assert_ledger_consistent(pk)
    code, body, _ = await crm(settings, tmp_path, "points", "expire", "--brand", brand.slug)
    assert body["expired"] == 0  # nothing due twice


async def test_points_expire_releases_pending(
    gql: GraphQL, settings: Settings, tmp_path: Path
) -> None:
    brand = await make_brand()
    token = await app_token(settings, brand)
    await loyalty_config.set_settings(Actor.system(brand.id), {"pending_days": 14})
    c = await create_customer(gql, token, name="Li")
    pk = decode_id(c["id"], "Customer")
    await record(gql, token, customerId=c["id"], amount="80")
    await PointsTransaction.filter(customer_id=pk, kind="EARN").update(
        pending_until=datetime.now(UTC) - timedelta(minutes=1)
    )
    code, _, err = await crm(settings, tmp_path, "points", "expire", "--brand", brand.slug)
    assert code == 0, err
    data = await loyalty(gql, token, c["id"])
    assert (data["points"]["available"], data["points"]["pending"]) == (80, 0)
    assert data["pointsTransactions"]["edges"][0]["node"]["kind"] == "RELEASE"
    await assert_ledger_consistent(pk)


async def test_analytics_refresh_command(gql: GraphQL, settings: Settings, tmp_path: Path) -> None:
    brand = await make_brand()
    token = await app_token(settings, brand)
    ids = []
    for i in range(10):
        c = await create_customer(gql, token, name=f"C{i}")
        ids.append(c["id"])
        for _ in range(i // 2 + 1):
            await record(gql, token, customerId=c["id"], amount=str(20 * (i + 1)))
    refunded = (await record(gql, token, customerId=ids[0], amount="5"))["purchase"]
    await mutate(gql, token, REFUND, "refundPurchase", purchaseId=refunded["id"])
    assert (await loyalty(gql, token, ids[9]))["valueTier"] is None  # only the job sets it
    code, body, err = await crm(settings, tmp_path, "analytics", "refresh", "--brand", brand.slug)
    assert code == 0, err
    assert body["customers"] == 10
    top, bottom = await loyalty(gql, token, ids[9]), await loyalty(gql, token, ids[0])
    assert (top["valueTier"], bottom["valueTier"]) == ("HIGH_VALUE", "LOW_VALUE")
    assert bottom["rfm"]["frequency"] == 1  # the fully refunded purchase does not count
    assert top["rfm"]["monetary"] == "1000"
    listing = await gql.data(
        "{ customers(first: 50, filter: {valueTier: HIGH_VALUE}) { edges { node { name } } } }",
        token=token,
    )
    assert "C9" in [e["node"]["name"] for e in listing["customers"]["edges"]]
