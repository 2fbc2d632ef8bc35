"""Imports through the API: a CSV with bad rows and its failed-rows file, a restart mid-import
without duplicates, all or nothing, opening balances; import.completed."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from config import Settings
from events.outbox import Event
from events.payloads import schema
from events.webhooks import body_of
from models import Customer, PointsTransaction, Purchase
from models.events import OutboxEvent
from models.jobs import Job
from resolvers.ids import decode_id
from services.imports import imports
from services.jobs import store
from services.jobs.runner import JobRunner
from tests.concurrency import assert_ledger_consistent
from tests.imports_support import (
    csv_bytes,
    download,
    import_job,
    run_jobs,
    start_import,
)
from tests.onboarding_support import table_counts
from tests.support import GraphQL, app_token, create_customer, make_brand
from tests.test_attributes_api import DEFINE

CUSTOMERS_CSV = csv_bytes(
    "Mobile,name,email,Shoe,city,externalSystem,externalId,Unused",
    "13800138000,Li,li@example.com,38,Hangzhou,pos,P1,x",
    ",Bo,not-an-email,big,,pos,P2,x",
    "13900139000,,new@example.com,,,,,",
    ",Dup,taken@example.com,,,pos,P1,",
    '13700137000,"Multi',
    'Line",ml@example.com,40,Ningbo,pos,P5,',
)
MAPPING = [
    {"column": "Mobile", "field": "phone"},
    {"column": "Shoe", "field": "attributes.shoeSize"},
]


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


async def test_a_csv_with_bad_rows_and_its_failed_rows_file(
    api: GraphQL, quiet_settings: Settings
) -> None:
    brand = await make_brand()
    token = await app_token(quiet_settings, brand)
    body = await api.data(DEFINE, {"input": {"key": "shoeSize", "type": "NUMBER"}}, token)
    assert body["defineCustomerAttribute"]["errors"] == []
    await create_customer(api, token, name="Taken", email="taken@example.com")
    job = await start_import(api, token, CUSTOMERS_CSV, kind="CUSTOMERS", columns=MAPPING)
    assert job["state"] == "QUEUED"
    await run_jobs(quiet_settings)

    done = await import_job(api, token, job["id"])
    assert (done["state"], done["rowsRead"], done["rowsWritten"], done["rowsFailed"]) == (
        "SUCCEEDED",
        5,
        2,
        3,
    )
    assert done["ignoredColumns"] == ["Unused"] and done["upload"] is None
    imported = {c.name: c for c in await Customer.filter(brand_id=brand.id)}
    assert set(imported) == {"Taken", "Li", "Multi\nLine"}
    assert imported["Li"].phone == "+8613800138000" and imported["Li"].city == "Hangzhou"

    failed = rows_of(await download(api, done["failedRows"]["url"]))
    assert [r["line"] for r in failed] == ["3", "4", "5"]
    assert [r["name"] for r in failed] == ["Bo", "", "Dup"]  # the row as the file had it
    assert "email: INVALID" in failed[0]["errors"]
    assert "attributes.shoeSize: WRONG_ATTRIBUTE_TYPE" in failed[0]["errors"]
    assert "name: REQUIRED" in failed[1]["errors"]
    assert failed[2]["errors"].count("POSSIBLE_DUPLICATE") == 2

    event = await OutboxEvent.get(brand_id=brand.id, type="import.completed")
    assert event.payload == {
        "kind": "CUSTOMERS",
        "state": "SUCCEEDED",
        "rowsRead": 5,
        "rowsWritten": 2,
        "rowsFailed": 3,
    }
    sent = json.loads(body_of(Event.from_row(event)))
    assert not list(Draft202012Validator(schema("import.completed")).iter_errors(sent))

    partner = await app_token(quiet_settings, brand, "customers:read")
    seen = await import_job(api, partner, job["id"])
    assert seen["rowsFailed"] == 3 and seen["failedRows"] is None  # the rows hold personal data


class Crash(BaseException):
    pass


async def test_a_restart_mid_import_repeats_no_row(
    api: GraphQL, quiet_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    brand = await make_brand()
    token = await app_token(quiet_settings, brand)
    for n in (1, 2, 3):
        await create_customer(
            api, token, name=f"C{n}", externalIds=[{"system": "pos", "externalId": f"C{n}"}]
        )
    lines = []
    for i in range(10):
        row: dict[str, Any] = {
            "customerSystem": "pos",
            "customerExternalId": f"C{i % 3 + 1}",
            "externalId": f"T{i}",
            "amount": "10",
            "items": [{"sku": "LAT", "name": "Latte", "category": "coffee", "unitPrice": "10"}],
        }
        if i == 4:
            row["amount"] = "-1"
        if i == 7:
            row["customerExternalId"] = "nobody"
        lines.append(json.dumps(row))
    lines.insert(5, "{not json")
    content = ("\n".join(lines) + "\n").encode()
    job = await start_import(api, token, content, kind="PURCHASES", format="NDJSON")

    monkeypatch.setattr(imports, "CHUNK_ROWS", 3)
    original = imports.ImportRun.commit_chunk
    calls = {"n": 0}

    async def crashing(self: Any, *args: Any) -> None:
        await original(self, *args)
        calls["n"] += 1
        if calls["n"] == 2:
            raise Crash()  # the worker dies after its second chunk committed

    monkeypatch.setattr(imports.ImportRun, "commit_chunk", crashing)
    with pytest.raises(Crash):
        await JobRunner(quiet_settings, owner="dies").run_once()
    pk = decode_id(job["id"], "ImportJob")
    stuck = await Job.get(id=pk)
    assert (stuck.state, stuck.processed) == ("RUNNING", 6)
    assert await Purchase.filter(brand_id=brand.id).count() == 4  # 2 of the 6 failed

    monkeypatch.setattr(imports.ImportRun, "commit_chunk", original)
    await Job.filter(id=pk).update(lease_expires_at=store.utcnow() - timedelta(seconds=1))
    await run_jobs(quiet_settings)
    done = await import_job(api, token, job["id"])
    assert (done["state"], done["rowsRead"], done["rowsWritten"], done["rowsFailed"]) == (
        "SUCCEEDED",
        11,
        8,
        3,
    )
    ids = sorted(await Purchase.filter(brand_id=brand.id).values_list("external_id", flat=True))
    assert ids == [f"T{i}" for i in range(10) if i not in (4, 7)]  # each once
    failed = rows_of(await download(api, done["failedRows"]["url"]))
    assert [r["line"] for r in failed] == ["5", "6", "9"]  # each once, despite the restart
    assert "amount: INVALID" in failed[0]["errors"] and "not JSON" in failed[1]["errors"]
    assert "customerExternalId: NOT_FOUND" in failed[2]["errors"]
    for customer in await Customer.filter(brand_id=brand.id):
        await assert_ledger_consistent(customer.id)


async def test_reject_everything_writes_nothing_when_a_row_fails(
    api: GraphQL, quiet_settings: Settings
) -> None:
    brand = await make_brand()
    token = await app_token(quiet_settings, brand)
    content = csv_bytes("name,email", "Li,li@example.com", "Bo,bad-email", "Cy,cy@example.com")
    job = await start_import(api, token, content, kind="CUSTOMERS", errorPolicy="REJECT_EVERYTHING")
    before = await table_counts()
    await run_jobs(quiet_settings)
    done = await import_job(api, token, job["id"])
    assert (done["state"], done["rowsWritten"], done["rowsFailed"]) == ("SUCCEEDED", 0, 1)
    after = await table_counts()
    changed = {t for t in before if before[t] != after[t]}
    assert changed == {"outbox_events", "event_counters"}  # import.completed, nothing else
    assert [r["name"] for r in rows_of(await download(api, done["failedRows"]["url"]))] == ["Bo"]

    good = csv_bytes("name,email", "Li,li@example.com", "Cy,cy@example.com")
    job = await start_import(api, token, good, kind="CUSTOMERS", errorPolicy="REJECT_EVERYTHING")
    await run_jobs(quiet_settings)
    done = await import_job(api, token, job["id"])
    assert (done["rowsWritten"], done["rowsFailed"], done["failedRows"]) == (2, 0, None)


async def test_opening_balances_go_through_the_ledger_once_per_member(
    api: GraphQL, quiet_settings: Settings
) -> None:
    brand = await make_brand()
    token = await app_token(quiet_settings, brand)
    li = await create_customer(
        api, token, name="Li", externalIds=[{"system": "old", "externalId": "1"}]
    )
    bo = await create_customer(api, token, name="Bo")
    content = csv_bytes(
        "customerSystem,customerExternalId,customerId,points,reason",
        "old,1,,1500,",
        f",,{bo['id']},200,points from the paper card",
        ",,,5,",
        f",,{bo['id']},x,",
    )
    job = await start_import(api, token, content, kind="POINTS_BALANCES")
    await run_jobs(quiet_settings)
    done = await import_job(api, token, job["id"])
    assert (done["rowsWritten"], done["rowsFailed"]) == (2, 2)
    li_pk, bo_pk = decode_id(li["id"], "Customer"), decode_id(bo["id"], "Customer")
    (opening,) = await PointsTransaction.filter(customer_id=li_pk)
    assert (opening.kind, opening.amount, opening.source) == ("ADJUST", 1500, "import")
    assert opening.reason == "opening balance from the previous programme"
    assert (await PointsTransaction.get(customer_id=bo_pk)).reason == "points from the paper card"

    again = await start_import(api, token, content, kind="POINTS_BALANCES")
    changed = csv_bytes("customerSystem,customerExternalId,points", "old,1,1600")
    other = await start_import(api, token, changed, kind="POINTS_BALANCES")
    await run_jobs(quiet_settings)
    assert (await import_job(api, token, again["id"]))["rowsWritten"] == 2  # the same: no change
    refused = await import_job(api, token, other["id"])
    failed = rows_of(await download(api, refused["failedRows"]["url"]))
    assert "points: CONFLICT" in failed[0]["errors"]
    assert await PointsTransaction.filter(brand_id=brand.id).count() == 2
    for pk in (li_pk, bo_pk):
        await assert_ledger_consistent(pk)


async def test_points_balances_need_points_write_and_bad_input_is_refused(
    api: GraphQL, quiet_settings: Settings
) -> None:
    brand = await make_brand()
    clerk = await app_token(quiet_settings, brand, "customers:write")
    body = await api.post(
        "mutation($i: StartImportInput!) { startImport(input: $i) { job { id } } }",
        {"i": {"kind": "POINTS_BALANCES"}},
        clerk,
    )
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    token = await app_token(quiet_settings, brand)
    bad = await api.data(
        "mutation($i: StartImportInput!) { startImport(input: $i) { errors { field code } } }",
        {"i": {"kind": "CUSTOMERS", "columns": [{"column": "Mobile", "field": "mobile"}]}},
        token,
    )
    assert bad["startImport"]["errors"] == [{"field": "columns", "code": "INVALID"}]
    template = await api.data(
        "{ importTemplate(kind: PURCHASES) { columns { name required } csv } }", token=token
    )
    assert {"name": "amount", "required": True} in template["importTemplate"]["columns"]
    assert template["importTemplate"]["csv"].startswith("customerSystem,customerExternalId")
