"""A year of history imported from a file behaves as if it had happened then: tiers from the
consecutive-month rules, balances, and expiries on their original schedule, checked against a
computation by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from config import Settings
from resolvers.ids import decode_id
from services.common.actor import Actor
from services.loyalty import expiry as points_expiry
from tests.concurrency import assert_ledger_consistent
from tests.imports_support import import_job, run_jobs, start_import
from tests.loyalty_support import loyalty
from tests.support import GraphQL, app_token, create_customer, make_brand
from tests.test_loyalty_earning import _configure

ZONE = ZoneInfo("Asia/Shanghai")  # the test brand's zone
EXPIRY_DAYS = 90


def months_back(today: date, count: int) -> date:
    year, month = today.year, today.month - count
    while month <= 0:
        year, month = year - 1, month + 12
    return date(year, month, 10)


def noon(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=ZONE)


async def test_a_year_of_imported_purchases_gives_tiers_balances_and_expiries_by_hand(
    api: GraphQL, quiet_settings: Settings
) -> None:
    brand = await make_brand()
    token = await app_token(quiet_settings, brand)
    changed = await _configure(api, token, expiryRule="DAYS", expiryDays=EXPIRY_DAYS)
    assert changed["errors"] == []
    li = await create_customer(
        api, token, name="Li", externalIds=[{"system": "pos", "externalId": "L"}]
    )
    bo = await create_customer(
        api, token, name="Bo", externalIds=[{"system": "pos", "externalId": "B"}]
    )
    today = datetime.now(ZONE).date()
    # Li: 250.00 on the 10th of each of the last 12 months. Bo: 250.00 a year ago and the two
    # months after (an old run of 3), then 100.00 two months ago and 300.00 last month.
    li_days = [months_back(today, n) for n in range(12, 0, -1)]
    bo_buys = [(months_back(today, n), "250.00") for n in (12, 11, 10)]
    bo_buys += [(months_back(today, 2), "100.00"), (months_back(today, 1), "300.00")]
    lines = ["customerSystem,customerExternalId,externalId,amount,occurredAt"]
    lines += [f"pos,L,L-{d},250.00,{noon(d).isoformat()}" for d in li_days]
    lines += [f"pos,B,B-{d},{amount},{noon(d).isoformat()}" for d, amount in bo_buys]
    content = ("\n".join(lines) + "\n").encode()
    job = await start_import(api, token, content, kind="PURCHASES")
    await run_jobs(quiet_settings)
    done = await import_job(api, token, job["id"])
    assert (done["state"], done["rowsWritten"], done["rowsFailed"]) == ("SUCCEEDED", 17, 0)

    # By hand. Earning: 1 point per unit, x the tier held before each purchase. A run of
    # months only counts when it ends in the current or the previous month, so while the old
    # months are imported nobody qualifies above Regular: every purchase earns x1.
    # Li's 12th month completes 12 consecutive months >= 200 ending last month: Platinum.
    # Bo's old run of 3 ended long ago, and 2 months ago (100) breaks the recent one: Regular.
    now = datetime.now(UTC)

    def by_hand(buys: list[tuple[date, int]]) -> tuple[int, int]:
        alive = sum(p for d, p in buys if noon(d) + timedelta(days=EXPIRY_DAYS) > now)
        return alive, sum(p for _, p in buys) - alive

    li_expect = by_hand([(d, 250) for d in li_days])
    bo_expect = by_hand([(d, int(float(a))) for d, a in bo_buys])

    await points_expiry.expire_due(Actor.system(brand.id))  # the nightly `crm points expire`
    for customer, tier, expected, lifetime in (
        (li, "Platinum", li_expect, 3000),
        (bo, "Regular", bo_expect, 1150),
    ):
        data = await loyalty(api, token, customer["id"])
        assert data["membership"]["tier"]["name"] == tier, customer["id"]
        points = data["points"]
        assert (points["available"], points["expired"]) == expected
        assert points["lifetimeEarned"] == lifetime
        await assert_ledger_consistent(decode_id(customer["id"], "Customer"))
    li_data = await loyalty(api, token, li["id"])
    assert li_data["rfm"]["frequency"] == 12 and li_data["rfm"]["monetary"] == "3000"
    assert li_data["lifecycleStage"] == "ACTIVE"
    assert li_data["membership"]["tierProgress"]["nextTier"] is None
