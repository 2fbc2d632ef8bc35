"""Hostile documents (issue 25, section 1): every step before execution is linear in the
document, and the one that is not (validation's field merging) runs off the event loop within
a budget. The fragment bomb is refused at once, over HTTP and websockets, through the ASGI app
and a real uvicorn, while /healthz answers."""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import websockets
from graphql import parse, validate
from starlette.applications import Starlette
from strawberry.extensions import MaxAliasesLimiter, QueryDepthLimiter

from config import Settings
from engine.cost import query_cost
from engine.document_limits import measure
from library_adapter import graphql_core_schema
from schema import build_schema
from server import create_app
from tests.conftest import TEST_REDIS_URL
from tests.support import app_token, error_codes, make_brand
from tests.test_events_ws import start_server, stop_server

QUICK = 2.0  # seconds: a refusal, on a machine other test runs share


def bomb(levels: int, root: str = "Query", leaf: str = "viewer { kind }") -> str:
    """Each fragment spreads the next twice: 2^levels paths, about 40 bytes a level."""
    parts = ["{ ...F0 }" if root == "Query" else "subscription { ...F0 }"]
    parts += [f"fragment F{i} on {root} {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels)]
    parts.append(f"fragment F{levels} on {root} {{ {leaf} }}")
    return " ".join(parts)


SUBSCRIPTION_BOMB_LEAF = "events { id }"


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[Starlette]:
    application = create_app(settings, manage_db=False)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


# Linear measures, checked directly.


def test_measures_of_a_thousand_level_bomb_are_exact_and_immediate() -> None:
    document = parse(bomb(1000))  # 45 KB; no token limit here
    started = time.perf_counter()
    ((_, shape),) = measure(document)
    assert time.perf_counter() - started < 0.5
    assert shape.fields == 2 ** (1000 + 1)  # viewer and kind, 2^1000 times
    assert shape.depth == 1


def test_a_long_chain_of_fragments_is_measured_without_recursion() -> None:
    chain = ["{ ...C0 }"] + [f"fragment C{i} on Query {{ ...C{i + 1} }}" for i in range(3000)]
    document = parse(" ".join([*chain, "fragment C3000 on Query { viewer { kind } }"]))
    ((_, shape),) = measure(document)
    assert (shape.fields, shape.depth) == (2, 1)
    schema = graphql_core_schema(build_schema())
    assert query_cost(schema, document, None, None).total == 2


def test_cost_of_a_bomb_is_counted_once_per_fragment() -> None:
    schema = graphql_core_schema(build_schema())
    document = parse(bomb(60))
    started = time.perf_counter()
    cost = query_cost(schema, document, None, {})
    assert time.perf_counter() - started < 0.5
    assert cost.total == 2 ** (60 + 1)


@pytest.mark.parametrize(
    "query",
    [
        "{ viewer { kind } a: viewer { kind } ...V } fragment V on Query { b: viewer { kind } }",
        "query Deep { customers { edges { node { tags id } } } }",
        "{ ...F0 } fragment F0 on Query { ...F1 x: viewer { kind } } fragment F1 on Query"
        " { y: viewer { kind } ... on Query { z: viewer { kind } } }",
    ],
)
def test_depth_and_aliases_agree_with_strawberrys_counting(query: str) -> None:
    """The numbers are those of strawberry's limiters (which walk every path)."""
    document = parse(query)
    ((_, shape),) = measure(document)
    depths: dict[str, int] = {}
    schema = graphql_core_schema(build_schema())
    validate(schema, document, QueryDepthLimiter(100, callback=depths.update).validation_rules)
    assert shape.depth == next(iter(depths.values()))
    for allowed in (shape.aliases, shape.aliases - 1):
        errors = validate(schema, document, MaxAliasesLimiter(allowed).validation_rules)
        assert bool(errors) == (allowed < shape.aliases)


# Through the API.


@pytest.mark.parametrize("levels", [30, 60])
async def test_fragment_bomb_is_refused_at_once_over_asgi(
    client: httpx.AsyncClient, levels: int
) -> None:
    query = bomb(levels)
    assert len(query) < 2600
    for _ in range(2):  # anonymous, then the cached refusal
        started = time.perf_counter()
        response = await client.post("/graphql", json={"query": query})
        assert time.perf_counter() - started < QUICK
        assert response.status_code == 200
        assert error_codes(response.json()) == ["QUERY_TOO_COMPLEX"]


async def test_fresh_bombs_keep_healthz_answering_over_asgi(client: httpx.AsyncClient) -> None:
    """Fresh fragment names each time: no cache helps, and the worker still answers."""

    async def fresh_bomb(i: int) -> list[str]:
        query = bomb(30).replace("F", f"B{i}x")
        return error_codes((await client.post("/graphql", json={"query": query})).json())

    async def health() -> float:
        started = time.perf_counter()
        assert (await client.get("/healthz")).status_code == 200
        return time.perf_counter() - started

    refusals, healths = await asyncio.gather(
        asyncio.gather(*(fresh_bomb(i) for i in range(20))), asyncio.gather(health(), health())
    )
    assert all(codes == ["QUERY_TOO_COMPLEX"] for codes in refusals)
    assert max(healths) < QUICK


async def test_tokens_past_the_limit_have_a_code(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": bomb(600)})
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "TOO_MANY_TOKENS"
    assert "more than 4000 tokens" in error["message"]


async def test_depth_and_alias_refusals_have_codes(client: httpx.AsyncClient) -> None:
    deep = "{ viewer " + "{ kind " * 20 + "}" * 20 + " }"
    assert error_codes((await client.post("/graphql", json={"query": deep})).json()) == [
        "QUERY_TOO_DEEP"
    ]
    aliases = "{ " + " ".join(f"a{i}: viewer {{ kind }}" for i in range(60)) + " }"
    assert error_codes((await client.post("/graphql", json={"query": aliases})).json()) == [
        "TOO_MANY_ALIASES"
    ]


async def test_quadratic_validation_runs_off_the_loop_within_its_budget(
    client: httpx.AsyncClient,
) -> None:
    """990 copies of one field: graphql-core compares them pairwise (about a second of CPU).
    Validation stops at its budget with QUERY_TOO_COMPLEX, and /healthz answers meanwhile."""
    query = "{ " + "viewer { kind } " * 990 + "}"
    refused = asyncio.ensure_future(client.post("/graphql", json={"query": query}))
    await asyncio.sleep(0.05)  # the validation has started in its thread
    started = time.perf_counter()
    assert (await client.get("/healthz")).status_code == 200
    health_took = time.perf_counter() - started
    response = await refused
    (error,) = response.json()["errors"]
    assert error["extensions"] == {"code": "QUERY_TOO_COMPLEX", "budgetMs": 300}
    assert health_took < QUICK
    again = time.perf_counter()
    await client.post("/graphql", json={"query": query})
    assert time.perf_counter() - again < 0.5, "the refusal is remembered for the document"


async def test_a_valid_query_still_answers(client: httpx.AsyncClient, settings: Settings) -> None:
    token = await app_token(settings, await make_brand())
    query = "{ ...A } fragment A on Query { ...B ...B } fragment B on Query { viewer { kind } }"
    response = await client.post(
        "/graphql", json={"query": query}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.json()["data"] == {"viewer": {"kind": "app"}}


async def asgi_websocket(app: Starlette, frames: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Talks graphql-transport-ws to the ASGI app directly; the answers to `frames` (one each
    after connection_init's ack)."""
    inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    scope = {
        "type": "websocket",
        "asgi": {"version": "3.0"},
        "scheme": "ws",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"test"), (b"sec-websocket-protocol", b"graphql-transport-ws")],
        "subprotocols": ["graphql-transport-ws"],
        "client": ("127.0.0.1", 5000),
        "server": ("test", 80),
    }
    task = asyncio.ensure_future(app(scope, inbox.get, outbox.put))  # type: ignore[arg-type]
    try:
        await inbox.put({"type": "websocket.connect"})
        assert (await asyncio.wait_for(outbox.get(), 10))["type"] == "websocket.accept"
        answers = []
        for frame in frames:
            await inbox.put({"type": "websocket.receive", "text": json.dumps(frame)})
            message = await asyncio.wait_for(outbox.get(), 10)
            answers.append(json.loads(message["text"]))
        await inbox.put({"type": "websocket.disconnect", "code": 1000})
        await asyncio.wait_for(task, 10)
        return answers
    finally:
        task.cancel()


@pytest.mark.parametrize("levels", [30, 60])
async def test_fragment_bomb_subscription_is_refused_over_asgi_websocket(
    app: Starlette, settings: Settings, levels: int
) -> None:
    token = await app_token(settings, await make_brand(), "events:read")
    started = time.perf_counter()
    ack, refused = await asgi_websocket(
        app,
        [
            {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}},
            {
                "id": "1",
                "type": "subscribe",
                "payload": {"query": bomb(levels, "Subscription", SUBSCRIPTION_BOMB_LEAF)},
            },
        ],
    )
    assert time.perf_counter() - started < QUICK * 2
    assert ack["type"] == "connection_ack"
    assert refused["type"] == "error" and refused["id"] == "1"
    assert [e["extensions"]["code"] for e in refused["payload"]] == ["QUERY_TOO_COMPLEX"]


# A real uvicorn worker in its own process.


@pytest.fixture(scope="module")
def server(database_url: str) -> Iterator[str]:
    process, base = start_server(database_url, TEST_REDIS_URL, f"crmhostile{os.getpid()}")
    yield base
    stop_server(process)


async def test_bombs_against_uvicorn_leave_healthz_answering(server: str) -> None:
    async with httpx.AsyncClient(base_url=f"http://{server}", timeout=30) as http:

        async def fire(levels: int, i: int) -> tuple[float, list[str]]:
            query = bomb(levels).replace("F", f"U{i}x")  # fresh names: no cache helps
            started = time.perf_counter()
            response = await http.post("/graphql", json={"query": query})
            return time.perf_counter() - started, error_codes(response.json())

        async def health() -> float:
            await asyncio.sleep(0.05)
            started = time.perf_counter()
            assert (await http.get("/healthz")).status_code == 200
            return time.perf_counter() - started

        bombs = [fire(levels, i) for i in range(10) for levels in (30, 60)]
        answers, healths = await asyncio.gather(
            asyncio.gather(*bombs), asyncio.gather(health(), health(), health())
        )
    assert all(codes == ["QUERY_TOO_COMPLEX"] for _, codes in answers)
    assert max(took for took, _ in answers) < QUICK * 2
    assert max(healths) < QUICK


@pytest.mark.parametrize("levels", [30, 60])
async def test_fragment_bomb_subscription_is_refused_by_uvicorn(
    server: str, settings: Settings, levels: int
) -> None:
    token = await app_token(settings, await make_brand(), "events:read")
    async with websockets.connect(
        f"ws://{server}/graphql",
        subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
    ) as conn:
        init = {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}
        await conn.send(json.dumps(init))
        assert json.loads(await asyncio.wait_for(conn.recv(), 10))["type"] == "connection_ack"
        query = bomb(levels, "Subscription", SUBSCRIPTION_BOMB_LEAF)
        started = time.perf_counter()
        await conn.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))
        refused = json.loads(await asyncio.wait_for(conn.recv(), 10))
        assert time.perf_counter() - started < QUICK
    assert refused["type"] == "error"
    assert [e["extensions"]["code"] for e in refused["payload"]] == ["QUERY_TOO_COMPLEX"]
    async with httpx.AsyncClient(timeout=5) as http:
        assert (await http.get(f"http://{server}/healthz")).status_code == 200


async def test_a_caller_refused_again_and_again_is_held_back_before_parsing(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    """Refusals cost no rate points, so they have a bucket of their own: 30 in a row, then
    RATE_LIMITED (429) before the next document is parsed; other callers go on."""
    for i in range(30):
        answer = await client.post("/graphql", json={"query": bomb(30).replace("F", f"H{i}x")})
        assert error_codes(answer.json()) == ["QUERY_TOO_COMPLEX"], i
    held = await client.post("/graphql", json={"query": "{ this is not even parsed"})
    assert held.status_code == 429
    assert error_codes(held.json()) == ["RATE_LIMITED"]
    assert int(held.headers["Retry-After"]) >= 1
    unread = await client.post(  # decided from the headers: the body is not even read
        "/graphql",
        content=b"{not json" + b" " * 500_000,
        headers={"content-type": "application/json"},
    )
    assert unread.status_code == 429 and error_codes(unread.json()) == ["RATE_LIMITED"]
    token = await app_token(settings, await make_brand())
    other = await client.post(
        "/graphql",
        json={"query": "{ viewer { kind } }"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert other.json()["data"] == {"viewer": {"kind": "app"}}
