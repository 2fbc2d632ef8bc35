"""A JSON POST of one operation is answered by `LeanGraphQLPost` exactly as strawberry's view
answers it; everything else still reaches the view."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

import httpx
import pytest

import server
from config import Settings
from engine import lean_post
from server import create_app
from tests.loyalty_support import AWARD
from tests.support import GraphQL, app_token, create_customer, make_brand

LIST = "query($n: Int) { customers(first: $n) { edges { node { name } } } }"
# The view ignores extensions it does not know; the lean path leaves any extensions to it.
THROUGH_THE_VIEW = {"extensions": {"tracing": True}}


@pytest.fixture
def answered(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the requests the lean path answered."""
    calls: list[int] = []
    real = lean_post.process_result

    def counted(result: Any) -> Any:
        calls.append(1)
        return real(result)

    monkeypatch.setattr(lean_post, "process_result", counted)
    return calls


async def _both(
    http: httpx.AsyncClient, answered: list[int], body: dict[str, Any], token: str, **kw: Any
) -> tuple[Any, Any]:
    """The lean answer, then the view's, as (status, content type, retry-after, JSON)."""
    answers = []
    for extra, lean in (({}, True), (THROUGH_THE_VIEW, False)):
        before = len(answered)
        response = await http.post(
            "/graphql",
            json={**body, **extra},
            headers={"Authorization": f"Bearer {token}", **kw.get("headers", {})},
        )
        assert len(answered) == before + lean, "the wrong path answered"
        headers = response.headers
        answers.append(
            (
                response.status_code,
                headers["content-type"],
                headers.get("retry-after"),
                response.json(),
            )
        )
        assert headers["x-request-id"], "the app's middleware must still run"
    return answers[0], answers[1]


async def test_queries_mutations_and_errors_answer_as_the_view(
    gql: GraphQL, http: httpx.AsyncClient, settings: Settings, answered: list[int]
) -> None:
    token = await app_token(settings, await make_brand())
    customer = await create_customer(gql, token, name="Ada")
    lean, view = await _both(http, answered, {"query": LIST, "variables": {"n": 2}}, token)
    assert lean == view and lean[0] == 200 and lean[3]["data"]["customers"]["edges"]
    award = {"customerId": customer["id"], "points": -5, "reason": "r"}  # a payload error
    lean, view = await _both(http, answered, {"query": AWARD, "variables": {"input": award}}, token)
    assert lean == view and lean[3]["data"]["awardPoints"]["errors"]
    lean, view = await _both(http, answered, {"query": "{ customers { nope } }"}, token)
    assert lean == view and lean[3]["errors"] and lean[3]["data"] is None
    named = {"query": "query A { __typename } query B { __typename }", "operationName": "B"}
    lean, view = await _both(http, answered, named, token)
    assert lean == view and lean[3]["data"] == {"__typename": "Query"}


@asynccontextmanager
async def _client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, manage_db=False)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://test") as client,
    ):
        yield client


@pytest.fixture
async def limited(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(
        replace(settings, rate_limit_per_second=0.001, rate_limit_burst=1.0)
    ) as client:
        yield client


async def test_rate_limited_answer_is_a_429_with_retry_after(
    limited: httpx.AsyncClient, settings: Settings, answered: list[int]
) -> None:
    token = await app_token(settings, await make_brand())
    lean, view = await _both(limited, answered, {"query": LIST, "variables": {"n": 5}}, token)
    assert lean == view
    assert lean[0] == 429 and lean[2] and int(lean[2]) >= 1
    assert lean[3]["errors"][0]["extensions"]["code"] == "RATE_LIMITED"


async def test_everything_else_reaches_the_view(
    http: httpx.AsyncClient, settings: Settings, answered: list[int]
) -> None:
    token = await app_token(settings, await make_brand())
    auth = {"Authorization": f"Bearer {token}"}
    batch = await http.post("/graphql", json=[{"query": "{ __typename }"}] * 2, headers=auth)
    assert batch.status_code == 200 and len(batch.json()) == 2
    not_json = await http.post(
        "/graphql", content=b"{nope", headers={**auth, "content-type": "application/json"}
    )
    assert not_json.status_code == 400
    get = await http.get("/graphql", params={"query": "{ __typename }"}, headers=auth)
    assert get.status_code == 200 and get.json()["data"] == {"__typename": "Query"}
    subscription = await http.post(
        "/graphql", json={"query": "subscription { events { id } }"}, headers=auth
    )
    assert subscription.json()["errors"], "a subscription is not answered over plain POST"
    no_such_operation = await http.post(
        "/graphql", json={"query": "query A { __typename }", "operationName": "B"}, headers=auth
    )
    assert no_such_operation.status_code == 400
    # The subscription and the unknown operation: refused by the same checks (the lean path
    # answers them itself, with the view's 400), never executed.
    assert answered == [], "none of these is executed by the lean path"


@pytest.fixture
async def two_at_once(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(replace(settings, max_concurrent_requests=2)) as client:
        yield client


async def test_a_worker_executes_at_most_its_limit_at_once_and_the_rest_in_turn(
    two_at_once: httpx.AsyncClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = await app_token(settings, await make_brand())
    running: list[str] = []
    most = 0
    started: list[str] = []
    real = lean_post.build_context

    async def slow(request: Any, request_settings: Settings) -> Any:
        nonlocal most
        started.append(request.headers["x-order"])
        running.append(request.headers["x-order"])
        most = max(most, len(running))
        await asyncio.sleep(0.02)
        try:
            return await real(request, request_settings)
        finally:
            running.remove(request.headers["x-order"])

    monkeypatch.setattr(lean_post, "build_context", slow)
    auth = {"Authorization": f"Bearer {token}"}

    async def post(order: int) -> httpx.Response:
        await asyncio.sleep(order * 0.001)  # arrive in this order
        return await two_at_once.post(
            "/graphql",
            json={"query": LIST, "variables": {"n": 1}},
            headers={**auth, "x-order": str(order)},
        )

    responses = await asyncio.gather(*(post(i) for i in range(7)))
    assert [r.status_code for r in responses] == [200] * 7
    assert all(r.json()["data"] == {"customers": {"edges": []}} for r in responses)
    assert most == 2, "never more than the limit at once"
    assert started == [str(i) for i in range(7)], "waiting requests go in arrival order"


async def test_gets_and_batches_take_their_turn_too(
    two_at_once: httpx.AsyncClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Requests the view answers (GET, batches) wait for a turn like the lean path's POSTs."""
    token = await app_token(settings, await make_brand())
    running = most = 0
    real = server.build_context

    async def slow(request: Any, request_settings: Settings) -> Any:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.02)
        try:
            return await real(request, request_settings)
        finally:
            running -= 1

    monkeypatch.setattr(server, "build_context", slow)
    auth = {"Authorization": f"Bearer {token}"}

    async def get() -> httpx.Response:
        return await two_at_once.get("/graphql", params={"query": "{ __typename }"}, headers=auth)

    async def batch() -> httpx.Response:
        return await two_at_once.post("/graphql", json=[{"query": "{ __typename }"}], headers=auth)

    responses = await asyncio.gather(*(get() for _ in range(4)), *(batch() for _ in range(3)))
    assert [r.status_code for r in responses] == [200] * 7
    assert most == 2, "never more than the limit at once"
