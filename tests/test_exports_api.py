"""Exports through the API: personal data only with pii:read, never for a customer token; the
kinds, formats and filters; a restart mid-export; export.completed."""

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
from models.events import OutboxEvent
from models.jobs import Job
from resolvers.ids import decode_id
from services.imports import exports
from services.jobs import store
from services.jobs.runner import JobRunner
from tests.imports_support import (
    EXPORT_JOB,
    START_EXPORT,
    download,
    run_jobs,
)
from tests.loyalty_support import record
from tests.offer_helpers import customer_token
from tests.support import GraphQL, app_token, create_customer, make_brand
from tests.test_attributes_api import DEFINE


async def export(api: GraphQL, token: str, **fields: Any) -> dict[str, Any]:
    body = (await api.data(START_EXPORT, {"input": fields}, token))["startExport"]
    assert body["errors"] == [], body["errors"]
    job: dict[str, Any] = body["job"]
    return job


async def finished(api: GraphQL, settings: Settings, token: str, job_id: str) -> dict[str, Any]:
    await run_jobs(settings)
    found: dict[str, Any] = (await api.data(EXPORT_JOB, {"id": job_id}, token))["exportJob"]
    return found


async def people(api: GraphQL, token: str) -> list[dict[str, Any]]:
    await api.data(DEFINE, {"input": {"key": "idCard", "type": "STRING", "isPii": True}}, token)
    await api.data(DEFINE, {"input": {"key": "shoeSize", "type": "NUMBER"}}, token)
    return [
        await create_customer(
            api,
            token,
            name="Li",
            phone="+8613800138000",
            email="li@example.com",
            birthday="1990-03-07",
            tags=["vip"],
            externalIds=[{"system": "pos", "externalId": "P1"}],
            attributes=[{"key": "idCard", "value": "110101"}, {"key": "shoeSize", "value": 38}],
        ),
        await create_customer(api, token, name="Bo", email="bo@example.com"),
    ]


def table(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


async def test_personal_data_only_with_pii_read(api: GraphQL, quiet_settings: Settings) -> None:
    brand = await make_brand()
    admin = await app_token(quiet_settings, brand)
    li, _ = await people(api, admin)
    partner = await app_token(quiet_settings, brand, "customers:read")

    masked = await export(api, partner, kind="CUSTOMERS")
    assert masked["containsPersonalData"] is False
    done = await finished(api, quiet_settings, partner, masked["id"])
    assert (done["state"], done["rows"]) == ("SUCCEEDED", 2)
    rows = {r["name"]: r for r in table(await download(api, done["download"]["url"]))}
    assert rows["Li"]["phone"] == "+86 138****8000" and rows["Li"]["email"] == "l***@example.com"
    assert rows["Li"]["birthday"] == "" and rows["Li"]["attributes.idCard"] == ""
    assert rows["Li"]["attributes.shoeSize"] == "38" and rows["Li"]["tags"] == '["vip"]'
    assert rows["Li"]["id"] == li["id"]

    full = await export(api, admin, kind="CUSTOMERS", format="NDJSON")
    assert full["containsPersonalData"] is True
    done = await finished(api, quiet_settings, admin, full["id"])
    lines = [json.loads(x) for x in (await download(api, done["download"]["url"])).splitlines()]
    first = next(x for x in lines if x["name"] == "Li")
    assert (first["phone"], first["email"], first["birthday"]) == (
        "+8613800138000",
        "li@example.com",
        "1990-03-07",
    )
    assert first["attributes"] == {"idCard": "110101", "shoeSize": 38}
    assert first["externalIds"] == [{"system": "pos", "externalId": "P1"}]
    # the partner without pii:read sees the job, not the file of personal data
    seen = (await api.data(EXPORT_JOB, {"id": full["id"]}, partner))["exportJob"]
    assert seen["state"] == "SUCCEEDED" and seen["download"] is None
    node = "query($id: ID!) { node(id: $id) { id ... on ExportJob { state rows } } }"
    assert (await api.data(node, {"id": full["id"]}, partner))["node"] == {
        "id": full["id"],
        "state": "SUCCEEDED",
        "rows": 2,
    }
    rival = await app_token(quiet_settings, await make_brand("rival"))
    assert (await api.data(node, {"id": full["id"]}, rival))["node"] is None


async def test_a_customer_token_cannot_export_and_kinds_need_their_scope(
    api: GraphQL, quiet_settings: Settings
) -> None:
    brand = await make_brand()
    admin = await app_token(quiet_settings, brand)
    li = await create_customer(api, admin, name="Li")
    own = await customer_token(api, admin, li["id"])
    refused = await api.post(START_EXPORT, {"input": {"kind": "CUSTOMERS"}}, own)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    reader = await app_token(quiet_settings, brand, "customers:read")
    ledger = await api.post(START_EXPORT, {"input": {"kind": "LEDGER"}}, reader)
    assert ledger["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    other = await app_token(quiet_settings, await make_brand("other"))
    job = await export(api, admin, kind="CUSTOMERS")
    assert (await api.data(EXPORT_JOB, {"id": job["id"]}, other))["exportJob"] is None
    theirs = await api.data(
        "mutation($i: CreateSegmentInput!) { createSegment(input: $i) { segment { id } } }",
        {"i": {"name": "x", "rule": {"city": {"in": ["X"]}}}},
        other,
    )
    foreign = {
        "kind": "CUSTOMERS",
        "filter": {"segmentId": theirs["createSegment"]["segment"]["id"]},
    }
    refused = (await api.data(START_EXPORT, {"input": foreign}, admin))["startExport"]
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [
        ("filter.segmentId", "NOT_FOUND")
    ]


async def test_purchases_ledger_and_coupons_with_filters(
    api: GraphQL, quiet_settings: Settings
) -> None:
    brand = await make_brand()
    admin = await app_token(quiet_settings, brand)
    li, bo = await people(api, admin)
    items = [
        {"sku": "LAT", "name": "Latte", "category": "coffee", "quantity": 2, "unitPrice": "14"}
    ]
    await record(api, admin, customerId=li["id"], amount="28", items=items, externalId="T1",
                 occurredAt="2026-01-05T02:00:00Z")  # fmt: skip
    await record(api, admin, customerId=bo["id"], amount="9", externalId="T2",
                 occurredAt="2026-02-05T02:00:00Z")  # fmt: skip
    january = await export(
        api,
        admin,
        kind="PURCHASES",
        format="NDJSON",
        filter={"from": "2026-01-01T00:00:00Z", "to": "2026-02-01T00:00:00Z"},
    )
    done = await finished(api, quiet_settings, admin, january["id"])
    (only,) = [json.loads(x) for x in (await download(api, done["download"]["url"])).splitlines()]
    assert (only["externalId"], only["amount"], only["customerId"]) == ("T1", "28.00", li["id"])
    assert only["items"] == [
        {"sku": "LAT", "name": "Latte", "category": "coffee", "quantity": 2, "unitPrice": "14.00"}
    ]
    ledger = await export(api, admin, kind="LEDGER")
    done = await finished(api, quiet_settings, admin, ledger["id"])
    rows = table(await download(api, done["download"]["url"]))
    assert sorted((r["kind"], r["amount"]) for r in rows) == [("EARN", "28"), ("EARN", "9")]
    segment = await api.data(
        "mutation($i: CreateSegmentInput!) { createSegment(input: $i) { segment { id } } }",
        {"i": {"name": "vip", "rule": {"tags": {"any": ["vip"]}}}},
        admin,
    )
    vip = await export(
        api,
        admin,
        kind="PURCHASES",
        filter={"segmentId": segment["createSegment"]["segment"]["id"]},
    )
    done = await finished(api, quiet_settings, admin, vip["id"])
    assert [r["externalId"] for r in table(await download(api, done["download"]["url"]))] == ["T1"]
    coupons = await export(api, admin, kind="COUPONS")
    done = await finished(api, quiet_settings, admin, coupons["id"])
    assert done["rows"] == 0 and table(await download(api, done["download"]["url"])) == []
    event = await OutboxEvent.filter(brand_id=brand.id, type="export.completed").first()
    assert event is not None and event.payload["state"] == "SUCCEEDED"
    sent = json.loads(body_of(Event.from_row(event)))  # what a webhook receives
    assert not list(Draft202012Validator(schema("export.completed")).iter_errors(sent))


class Crash(BaseException):
    pass


async def test_a_restarted_export_writes_each_row_once(
    api: GraphQL, quiet_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    brand = await make_brand()
    admin = await app_token(quiet_settings, brand)
    for n in range(7):
        await create_customer(api, admin, name=f"N{n}")
    job = await export(api, admin, kind="CUSTOMERS")
    monkeypatch.setattr(exports, "PAGE", 3)
    original = exports.ExportRun.encode
    written = {"n": 0}

    def crashing(self: Any, record: dict[str, Any]) -> bytes:
        written["n"] += 1
        if written["n"] == 5:
            raise Crash()  # dies in its second page, one row of it in the file already
        return original(self, record)

    monkeypatch.setattr(exports.ExportRun, "encode", crashing)
    with pytest.raises(Crash):
        await JobRunner(quiet_settings, owner="dies").run_once()
    monkeypatch.setattr(exports.ExportRun, "encode", original)
    pk = decode_id(job["id"], "ExportJob")
    await Job.filter(id=pk).update(lease_expires_at=store.utcnow() - timedelta(seconds=1))
    done = await finished(api, quiet_settings, admin, job["id"])
    names = [r["name"] for r in table(await download(api, done["download"]["url"]))]
    assert names == [f"N{n}" for n in range(7)] and done["rows"] == 7
