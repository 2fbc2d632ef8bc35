"""Phone and email encrypted at rest for a brand that opts in: conversion, lookups, duplicates,
search, key rotation, opting out; what the database holds is checked directly."""

from __future__ import annotations

import asyncio
import base64
import os
from collections.abc import AsyncIterator
from dataclasses import replace

import httpx
import pytest

from config import Settings
from models.jobs import Job
from models.sealed import SealedValueUnreadable, install_keys, open_sealed, seal
from server import create_app
from services.common import sql
from tests.support import GraphQL, app_token, create_customer, error_codes, make_brand

SET = """mutation($on: Boolean!) { setPrivacySettings(input: {encryptContacts: $on}) {
  settings { encryptContacts } conversionJobId errors { field code } } }"""
SEARCH = """query($q: String!) { customers(filter: {search: $q}) { edges { node { name } } } }"""
READ = """query($id: ID!) { customer(id: $id) { name phone email } }"""


def key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


K1, K2, LOOKUP = key(), key(), key()


@pytest.fixture
async def keyed(settings: Settings) -> AsyncIterator[tuple[Settings, GraphQL]]:
    with_keys = replace(settings, data_keys={"k1": K1}, data_key_id="k1", data_lookup_key=LOOKUP)
    async with _app(with_keys) as gql:
        yield with_keys, gql
    install_keys({}, None, None)


class _app:
    def __init__(self, settings: Settings) -> None:
        self.app = create_app(settings, manage_db=False)

    async def __aenter__(self) -> GraphQL:
        self.lifespan = self.app.router.lifespan_context(self.app)
        await self.lifespan.__aenter__()
        transport = httpx.ASGITransport(app=self.app)
        self.client = httpx.AsyncClient(transport=transport, base_url="http://test")
        return GraphQL(self.client)

    async def __aexit__(self, *exc: object) -> None:
        await self.client.aclose()
        await self.lifespan.__aexit__(None, None, None)


async def stored(brand_id: int) -> dict[str, dict[str, object]]:
    rows = await sql.fetch(
        "SELECT name, phone, email, phone_hash, email_hash FROM customers WHERE brand_id = ?",
        [brand_id],
    )
    return {str(r["name"]): dict(r) for r in rows}


async def convert(gql: GraphQL, token: str, on: bool) -> None:
    body = (await gql.data(SET, {"on": on}, token))["setPrivacySettings"]
    assert body["errors"] == [] and body["settings"] == {"encryptContacts": on}
    for _ in range(200):
        if not await Job.filter(
            kind="privacy.reseal_contacts", state__in=["QUEUED", "RUNNING"]
        ).exists():
            break
        await asyncio.sleep(0.05)
    assert await Job.filter(kind="privacy.reseal_contacts", state="SUCCEEDED").exists()


async def test_opting_in_seals_phone_and_email_and_lookups_keep_working(
    keyed: tuple[Settings, GraphQL],
) -> None:
    settings, gql = keyed
    brand = await make_brand(phone_region="CN")
    token = await app_token(settings, brand)
    reader = await app_token(settings, brand, "customers:read")
    before = await create_customer(
        gql, token, name="Li Wei", phone="13800138000", email="li.wei@example.com"
    )
    await convert(gql, token, True)
    rows = await stored(brand.id)
    assert str(rows["Li Wei"]["phone"]).startswith("enc1:k1:")
    assert str(rows["Li Wei"]["email"]).startswith("enc1:k1:")
    assert "13800138000" not in str(rows) and "li.wei" not in str(rows)
    assert rows["Li Wei"]["phone_hash"] and rows["Li Wei"]["email_hash"]
    read = (await gql.data(READ, {"id": before["id"]}, token))["customer"]
    assert (read["phone"], read["email"]) == ("+8613800138000", "li.wei@example.com")
    masked = (await gql.data(READ, {"id": before["id"]}, reader))["customer"]
    assert masked["phone"] == "+86 138****8000"
    # new customers are sealed as they are written; uniqueness holds on the hashes
    await create_customer(gql, token, name="Wei Li", phone="13900139000", email="W@Example.com")
    assert str((await stored(brand.id))["Wei Li"]["phone"]).startswith("enc1:k1:")
    clash = await gql.data(
        """mutation { createCustomer(input: {name: "Copy", phone: "+86 138 0013 8000"}) {
             errors { field code relatedId } } }""",
        token=token,
    )
    assert clash["createCustomer"]["errors"] == [
        {"field": "phone", "code": "DUPLICATE", "relatedId": before["id"]}
    ]
    # search: a whole phone (any format) or email, and names by a part; not inside ciphertext
    for term, names in (
        ("138 0013 8000", ["Li Wei"]),
        ("w@example.com", ["Wei Li"]),
        ("Wei", ["Wei Li", "Li Wei"]),
        ("0013", []),
        ("example.com", []),
    ):
        edges = (await gql.data(SEARCH, {"q": term}, token))["customers"]["edges"]
        assert [e["node"]["name"] for e in edges] == names, term
    # updating keeps the row sealed; duplicates are still found through the decrypted values
    updated = await gql.data(
        """mutation($id: ID!) { updateCustomer(input: {id: $id, phone: "13700137000",
             city: "Xi'an"}) { customer { phone } errors { code } } }""",
        {"id": before["id"]},
        token,
    )
    assert updated["updateCustomer"] == {"customer": {"phone": "+8613700137000"}, "errors": []}
    row = (await stored(brand.id))["Li Wei"]
    assert str(row["phone"]).startswith("enc1:k1:") and str(row["email"]).startswith("enc1:k1:")
    edges = (await gql.data(SEARCH, {"q": "13700137000"}, token))["customers"]["edges"]
    assert [e["node"]["name"] for e in edges] == ["Li Wei"]
    await create_customer(gql, token, name="LI WEI", email="li.wei@other.example.com")
    found = await gql.data(
        """query($id: ID!) { customer(id: $id) { possibleDuplicates { customer { name }
             reasons } } }""",
        {"id": before["id"]},
        token,
    )
    assert found["customer"]["possibleDuplicates"] == [
        {"customer": {"name": "LI WEI"}, "reasons": ["NAME", "EMAIL_LOCAL_PART"]}
    ]


async def test_keys_rotate_and_a_brand_can_opt_out(
    keyed: tuple[Settings, GraphQL], settings: Settings
) -> None:
    keyed_settings, gql = keyed
    brand = await make_brand(phone_region="CN")
    token = await app_token(keyed_settings, brand)
    created = await create_customer(gql, token, name="Mei", phone="13800138000")
    await convert(gql, token, True)
    assert str((await stored(brand.id))["Mei"]["phone"]).startswith("enc1:k1:")
    # k2 becomes current, k1 is still held: old values read, the conversion re-seals them
    rotated = replace(keyed_settings, data_keys={"k1": K1, "k2": K2}, data_key_id="k2")
    async with _app(rotated) as gql2:
        read = (await gql2.data(READ, {"id": created["id"]}, token))["customer"]
        assert read["phone"] == "+8613800138000"
        await Job.filter(kind="privacy.reseal_contacts").delete()
        await convert(gql2, token, True)
        assert str((await stored(brand.id))["Mei"]["phone"]).startswith("enc1:k2:")
        await Job.filter(kind="privacy.reseal_contacts").delete()
        await convert(gql2, token, False)
        row = (await stored(brand.id))["Mei"]
        assert (row["phone"], row["phone_hash"]) == ("+8613800138000", None)
    # a server without keys cannot opt a brand in
    async with _app(settings) as plain:
        body = await plain.data(SET, {"on": True}, token)
        assert body["setPrivacySettings"]["errors"] == [
            {"field": "encryptContacts", "code": "ENCRYPTION_UNAVAILABLE"}
        ]
        limited = await app_token(settings, brand, "customers:write")
        assert error_codes(await plain.post(SET, {"on": True}, limited)) == ["FORBIDDEN"]


def test_a_sealed_value_opens_only_as_its_own_column_and_key() -> None:
    install_keys({"k1": K1}, "k1", LOOKUP)
    try:
        value = seal("+8613800138000", "phone")
        assert value == "+8613800138000" and value.sealed.startswith("enc1:k1:")
        assert open_sealed(value.sealed, "phone") == "+8613800138000"
        with pytest.raises(SealedValueUnreadable):
            open_sealed(value.sealed, "email")  # the column is bound in
        with pytest.raises(SealedValueUnreadable):
            open_sealed(value.sealed[:-4] + "AAAA", "phone")  # tampered
        install_keys({"k2": K2}, "k2", LOOKUP)
        with pytest.raises(SealedValueUnreadable):
            open_sealed(value.sealed, "phone")  # k1 is no longer held
        with pytest.raises(ValueError):
            install_keys({"bad:id": K1}, "bad:id", LOOKUP)
    finally:
        install_keys({}, None, None)
