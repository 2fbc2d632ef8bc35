"""Automatic persisted queries are no free storage (issue 25, section 3): only documents that
parse and validate within the size limit are stored, each registration takes points from the
caller's rate bucket, and a hash that is not 64 hexadecimal digits is a 400."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from config import Settings
from engine.persisted import registration_cost
from server import create_app
from tests.conftest import TEST_REDIS_URL
from tests.support import error_codes


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def registration(text: str, digest: str | None = None) -> dict[str, Any]:
    persisted = {"version": 1, "sha256Hash": sha(text) if digest is None else digest}
    return {"query": text, "extensions": {"persistedQuery": persisted}}


def by_hash(digest: str) -> dict[str, Any]:
    return {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": digest}}}


async def in_redis(settings: Settings, text: str) -> bool:
    """Whether the anonymous callers' store holds the text (False without Redis)."""
    if not settings.redis_url:
        return False
    redis = Redis.from_url(settings.redis_url)
    try:
        return bool(await redis.exists(f"{settings.redis_prefix}:apq:public:{sha(text)}"))
    finally:
        await redis.aclose()


async def test_a_900_kb_blob_is_not_stored(http: httpx.AsyncClient, settings: Settings) -> None:
    blob = "not graphql " * 75_000
    assert len(blob) == 900_000
    response = await http.post("/graphql", json=registration(blob))
    assert response.status_code == 200
    assert error_codes(response.json()) == ["PERSISTED_QUERY_TOO_LARGE"]
    missing = await http.post("/graphql", json=by_hash(sha(blob)))
    assert error_codes(missing.json()) == ["PERSISTED_QUERY_NOT_FOUND"]
    assert not await in_redis(settings, blob)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("lorem ipsum " * 2000, "GRAPHQL_PARSE_FAILED"),
        ("{ nope }", "GRAPHQL_VALIDATION_FAILED"),
        ("{ " + "viewer { kind } " * 1100 + "}", "TOO_MANY_TOKENS"),
    ],
)
async def test_only_valid_documents_are_stored(
    http: httpx.AsyncClient, settings: Settings, text: str, reason: str
) -> None:
    response = await http.post("/graphql", json=registration(text))
    (error,) = response.json()["errors"]
    assert error["extensions"] == {"code": "PERSISTED_QUERY_INVALID", "reason": reason}
    missing = await http.post("/graphql", json=by_hash(sha(text)))
    assert error_codes(missing.json()) == ["PERSISTED_QUERY_NOT_FOUND"]
    assert not await in_redis(settings, text)


async def test_a_valid_document_is_stored_and_answered_by_hash(
    http: httpx.AsyncClient, settings: Settings
) -> None:
    query = '{ brand(slug: "nope") { name } }'
    first = await http.post("/graphql", json=registration(query))
    assert first.json()["data"] == {"brand": None}
    again = await http.post("/graphql", json=by_hash(sha(query)))
    assert again.json()["data"] == {"brand": None}
    assert await in_redis(settings, query) == bool(settings.redis_url)


@pytest.mark.parametrize(
    "digest", ["a" * 100_000, "z" * 64, "abc", sha("{ viewer { kind } }") + "0", ""]
)
async def test_a_hash_that_is_not_64_hex_digits_is_a_400(
    http: httpx.AsyncClient, digest: str
) -> None:
    for body in (registration("{ viewer { kind } }", digest), by_hash(digest)):
        response = await http.post("/graphql", json=body)
        assert response.status_code == 400, response.text
        assert error_codes(response.json()) == ["MALFORMED_PERSISTED_QUERY_HASH"]
    if len(digest) > 1000:
        return  # too long for a URL
    got = await http.get(
        "/graphql",
        params={"extensions": json.dumps(by_hash(digest)["extensions"])},
        headers={"accept": "application/json"},
    )
    assert got.status_code == 400
    assert error_codes(got.json()) == ["MALFORMED_PERSISTED_QUERY_HASH"]


@pytest.fixture
async def strict(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    tight = replace(settings, rate_limit_per_second=0.01, rate_limit_burst=100.0)
    app = create_app(tight, manage_db=False)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://test") as client,
    ):
        yield client


async def test_registrations_count_in_the_rate_limit(strict: httpx.AsyncClient) -> None:
    """Refused or not, a registration pays a point and one a kilobyte: a 60 KB blob takes 59 of
    the bucket's 100 points, so the second one is refused without being looked at."""
    blob = "x" * 60_000
    assert registration_cost(blob) == 59
    first = await strict.post("/graphql", json=registration(blob))
    assert error_codes(first.json()) == ["PERSISTED_QUERY_INVALID"]
    second = await strict.post("/graphql", json=registration(blob + " "))
    assert second.status_code == 429
    assert error_codes(second.json()) == ["RATE_LIMITED"]
    assert int(second.headers["Retry-After"]) >= 1


@pytest.mark.skipif(not TEST_REDIS_URL, reason="the Redis store")
async def test_nothing_is_stored_in_redis_for_refused_registrations(
    http: httpx.AsyncClient, settings: Settings
) -> None:
    for text in ("{ nope }", "x" * 200_000, "fragment A on Query { viewer { kind } }"):
        await http.post("/graphql", json=registration(text))
        assert not await in_redis(settings, text)
