"""Customers upserted a chunk at a time: the same outcomes as one row after another (two rows
matching the same customer, a duplicate inside the chunk, created, updated and
POSSIBLE_DUPLICATE side by side), through the import API and the service, and a restart of a
customers import mid-way that creates no one twice."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import pytest

from config import Settings
from models import AuditEntry, Brand, Customer, CustomerExternalId
from models.events import OutboxEvent
from models.jobs import Job
from resolvers.ids import decode_id, to_global_id
from services.common.actor import Actor
from services.common.errors import DomainError
from services.customers import creation
from services.customers.upsert import UpsertInput, upsert_customer, upsert_customers
from services.imports import imports
from services.jobs import store
from services.jobs.runner import JobRunner
from tests.imports_support import csv_bytes, download, import_job, run_jobs, start_import
from tests.support import GraphQL, app_token, create_customer, make_brand
from tests.test_attributes_api import DEFINE
from tests.test_imports_api import Crash, rows_of

HEADER = "externalSystem,externalId,name,phone,email,city"
MIXED = csv_bytes(
    HEADER,
    "pos,X1,Xavier Renamed,,,",  # updates X (its external id)
    ",,Second,,x@example.com,Suzhou",  # X again (its email): sees the first row's write
    "pos,N1,New One,13500135000,new1@example.com,",  # created
    ",,New One Again,13500135000,,",  # the row above's phone: updates what it created
    ",,Ambig,13600136000,x@example.com,",  # Y's phone and X's email: POSSIBLE_DUPLICATE
    "pos,N2,Other,,,",  # created
)


async def _existing(api: GraphQL, token: str) -> tuple[str, str]:
    x = await create_customer(
        api,
        token,
        name="Xavier",
        email="x@example.com",
        externalIds=[{"system": "pos", "externalId": "X1"}],
    )
    y = await create_customer(api, token, name="Yan", phone="13600136000")
    return x["id"], y["id"]


def _mixed_inputs() -> list[UpsertInput]:
    def row(name: str, ext: str | None = None, **profile: str) -> UpsertInput:
        return UpsertInput({"name": name, **profile}, ("pos", ext) if ext else None)

    return [
        row("Xavier Renamed", "X1"),
        row("Second", email="x@example.com", city="Suzhou"),
        row("New One", "N1", phone="13500135000", email="new1@example.com"),
        row("New One Again", phone="13500135000"),
        row("Ambig", phone="13600136000", email="x@example.com"),
        row("Other", "N2"),
    ]


async def _state(brand: Brand) -> dict[str, Any]:
    customers = await Customer.filter(brand_id=brand.id).order_by("id")
    ids = await CustomerExternalId.filter(brand_id=brand.id).values_list(
        "customer_id", "system", "external_id"
    )
    by_id = {c.id: i for i, c in enumerate(customers)}  # ids differ between brands
    audited = await AuditEntry.filter(brand_id=brand.id).values_list("operation", "details")
    return {
        "customers": [(c.name, c.phone, c.email, c.city) for c in customers],
        "externalIds": sorted((by_id[c], s, e) for c, s, e in ids),
        "audit": Counter(
            (op, (details or {}).get("outcome")) for op, details in audited if op != "startImport"
        ),
        "events": Counter(
            await OutboxEvent.filter(brand_id=brand.id).values_list("type", flat=True)
        ),
    }


async def _seed(brand: Brand) -> None:
    actor = Actor.system(brand.id, "seed")
    await upsert_customer(
        actor, brand, UpsertInput({"name": "Xavier", "email": "x@example.com"}, ("pos", "X1"))
    )
    await upsert_customer(actor, brand, UpsertInput({"name": "Yan", "phone": "13600136000"}))


async def test_a_chunk_upserted_together_ends_as_row_after_row_would() -> None:
    one_by_one, together = await make_brand("rows"), await make_brand("chunk")
    for brand in (one_by_one, together):
        await _seed(brand)
    expected: list[Any] = []
    for given in _mixed_inputs():
        try:
            expected.append(await upsert_customer(Actor.system(one_by_one.id), one_by_one, given))
        except DomainError as exc:
            expected.append(exc)
    found = await upsert_customers(Actor.system(together.id), together, _mixed_inputs())

    def summary(outcome: Any) -> Any:
        if isinstance(outcome, DomainError):
            return sorted(e.code.value for e in outcome.errors)
        return (outcome.outcome, outcome.customer.name)

    assert [summary(o) for o in found] == [summary(o) for o in expected]
    assert [summary(o) for o in found] == [
        ("UPDATED", "Xavier Renamed"),
        ("UPDATED", "Second"),
        ("CREATED", "New One"),
        ("UPDATED", "New One Again"),
        ["POSSIBLE_DUPLICATE", "POSSIBLE_DUPLICATE"],
        ("CREATED", "Other"),
    ]
    assert await _state(together) == await _state(one_by_one)


async def test_an_import_chunk_with_matches_duplicates_and_ambiguity(
    api: GraphQL, quiet_settings: Settings
) -> None:
    brand = await make_brand()
    token = await app_token(quiet_settings, brand)
    x_id, y_id = await _existing(api, token)
    job = await start_import(api, token, MIXED, kind="CUSTOMERS")
    await run_jobs(quiet_settings)

    done = await import_job(api, token, job["id"])
    assert (done["state"], done["rowsRead"], done["rowsWritten"], done["rowsFailed"]) == (
        "SUCCEEDED",
        6,
        5,
        1,
    )
    customers = {c.id: c for c in await Customer.filter(brand_id=brand.id)}
    assert len(customers) == 4  # X, Y and two new ones: no silent second record
    x = customers[decode_id(x_id, "Customer")]
    assert (x.name, x.city, x.email) == ("Second", "Suzhou", "x@example.com")
    assert customers[decode_id(y_id, "Customer")].name == "Yan"
    new = {c.name: c for c in customers.values() if c.name not in ("Second", "Yan")}
    assert set(new) == {"New One Again", "Other"}
    assert (new["New One Again"].phone, new["New One Again"].email) == (
        "+8613500135000",
        "new1@example.com",
    )
    failed = rows_of(await download(api, done["failedRows"]["url"]))
    assert [r["line"] for r in failed] == ["6"]
    assert failed[0]["errors"].count("POSSIBLE_DUPLICATE") == 2

    audited: list[dict[str, Any]] = await AuditEntry.filter(
        brand_id=brand.id, operation="upsertCustomer"
    ).values_list("details", flat=True)  # type: ignore[assignment]
    assert Counter(d["outcome"] for d in audited) == {"UPDATED": 3, "CREATED": 2}
    types: list[str] = await OutboxEvent.filter(brand_id=brand.id).values_list("type", flat=True)  # type: ignore[assignment]
    events = Counter(types)
    assert events["customer.created"] == 4 and events["customer.updated"] == 3


async def test_a_retried_customers_import_changes_nothing(
    api: GraphQL, quiet_settings: Settings
) -> None:
    brand = await make_brand()
    token = await app_token(quiet_settings, brand)
    await _existing(api, token)
    first = await start_import(api, token, MIXED, kind="CUSTOMERS")
    await run_jobs(quiet_settings)
    before = await _state(brand)
    again = await start_import(api, token, MIXED, kind="CUSTOMERS")
    await run_jobs(quiet_settings)
    after = await _state(brand)
    for job in (first, again):
        done = await import_job(api, token, job["id"])
        assert (done["rowsWritten"], done["rowsFailed"]) == (5, 1)
    assert after["customers"] == before["customers"]  # matched again: no one created twice
    assert after["externalIds"] == before["externalIds"]
    assert after["events"]["customer.created"] == before["events"]["customer.created"]


async def test_a_restart_mid_customers_import_creates_no_one_twice(
    api: GraphQL, quiet_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    brand = await make_brand()
    token = await app_token(quiet_settings, brand)
    lines = [HEADER, *(f"pos,R{n},Member {n},,m{n}@example.com," for n in range(7))]
    lines.insert(4, "pos,R1,Member 1 again,,,")  # the third row's external id: an update
    job = await start_import(api, token, csv_bytes(*lines), kind="CUSTOMERS")

    monkeypatch.setattr(imports, "CUSTOMER_CHUNK_ROWS", 3)
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
    assert (await Job.get(id=pk)).processed == 6
    assert await Customer.filter(brand_id=brand.id).count() == 5

    monkeypatch.setattr(imports.ImportRun, "commit_chunk", original)
    await Job.filter(id=pk).update(lease_expires_at=store.utcnow() - timedelta(seconds=1))
    await run_jobs(quiet_settings)
    done = await import_job(api, token, job["id"])
    assert (done["state"], done["rowsRead"], done["rowsWritten"], done["rowsFailed"]) == (
        "SUCCEEDED",
        8,
        8,
        0,
    )
    names = sorted(await Customer.filter(brand_id=brand.id).values_list("name", flat=True))
    assert names == sorted(["Member 1 again", *(f"Member {n}" for n in range(7) if n != 1)])
    created = await AuditEntry.filter(brand_id=brand.id, operation="createCustomer").count()
    assert created == 7  # each once, despite the restart


async def test_an_unchanged_file_imported_again_writes_nothing_and_a_change_is_written(
    api: GraphQL, quiet_settings: Settings
) -> None:
    brand = await make_brand()
    token = await app_token(quiet_settings, brand)
    body = await api.data(DEFINE, {"input": {"key": "shoeSize", "type": "NUMBER"}}, token)
    assert body["defineCustomerAttribute"]["errors"] == []
    header = "externalSystem,externalId,name,email,tags,attributes.shoeSize"
    rows = [f"pos,U{n},Member {n},u{n}@example.com,vip,{38 + n}" for n in range(4)]
    for content in (csv_bytes(header, *rows), csv_bytes(header, *rows)):
        job = await start_import(api, token, content, kind="CUSTOMERS")
        await run_jobs(quiet_settings)
    before = await _state(brand)
    assert before["audit"][("createCustomer", None)] == 4
    assert before["events"]["customer.updated"] == 0  # the second import changed nothing
    done = await import_job(api, token, job["id"])
    assert (done["rowsWritten"], done["rowsFailed"]) == (4, 0)

    rows[2] = "pos,U2,Member 2,u2@example.com,vip,45"  # one attribute changed
    job = await start_import(api, token, csv_bytes(header, *rows), kind="CUSTOMERS")
    await run_jobs(quiet_settings)
    after = await _state(brand)
    assert after["events"]["customer.updated"] == 1
    assert after["audit"][("upsertCustomer", "UPDATED")] == 1
    changed = await Customer.get(brand_id=brand.id, name="Member 2")
    query = "query($id: ID!) { customer(id: $id) { attributes { key value } } }"
    read = await api.data(query, {"id": to_global_id("Customer", changed.id)}, token)
    assert read["customer"]["attributes"] == [{"key": "shoeSize", "value": 45}]


async def test_a_chunk_that_races_another_writer_falls_back_to_one_row_at_a_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    brand = await make_brand()
    actor = Actor.system(brand.id)
    await upsert_customer(actor, brand, UpsertInput({"name": "Early", "email": "race@x.com"}))
    real, calls = creation.holders, {"n": 0}

    async def stale(*args: Any, **kwargs: Any) -> creation.Holders:
        calls["n"] += 1  # the chunk's match misses the customer written concurrently
        return creation.Holders() if calls["n"] == 1 else await real(*args, **kwargs)

    monkeypatch.setattr(creation, "holders", stale)
    given = [
        UpsertInput({"name": "Late", "email": "race@x.com"}),
        UpsertInput({"name": "Fresh", "email": "fresh@x.com"}),
    ]
    found = await upsert_customers(actor, brand, given)
    assert [(o.outcome, o.customer.name) for o in found if not isinstance(o, DomainError)] == [
        ("UPDATED", "Late"),
        ("CREATED", "Fresh"),
    ]
    names = await Customer.filter(brand_id=brand.id).order_by("id").values_list("name", flat=True)
    assert names == ["Late", "Fresh"]
