"""Every entry point runs the one list of request policies (engine/policies.py): the same
document gets the same refusal, the same masking and the same cost through a JSON POST, a
GET, a batch, a persisted query and a websocket (graphql-transport-ws); a policy added to the
list runs on each of them."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

import httpx
import pytest
from graphql import GraphQLError
from starlette.applications import Starlette
from strawberry.types import ExecutionResult

import server
from config import Settings
from engine.request import Checked, Request, RequestPolicy
from schema import build_schema
from server import create_app
from tests.support import GraphQL, app_token, create_customer, make_brand
from tests.test_hostile_documents import asgi_websocket

TOO_COSTLY = "{ customers(first: 100) { edges { node { name notes(first: 100) { body } } } } }"
EMAIL = "query Email($id: ID!) { customer(id: $id) { name email } }"
COUNT = "{ customers { totalCount } }"
CHEAP = "{ viewer { kind } }"  # costs 2


@dataclass
class Answer:
    status: int | None  # None over a websocket
    data: Any
    errors: list[tuple[str | None, str]]  # (code, message)
    extensions: Any


def _answer(status: int | None, body: dict[str, Any]) -> Answer:
    errors = [
        ((e.get("extensions") or {}).get("code"), e["message"]) for e in body.get("errors") or []
    ]
    return Answer(status, body.get("data"), errors, body.get("extensions"))


def _sha(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()


Send = Callable[[Starlette, httpx.AsyncClient, str, str, dict[str, Any] | None], Awaitable[Answer]]


async def post(app: Starlette, http: httpx.AsyncClient, token: str, query: str, v: Any) -> Answer:
    response = await http.post(
        "/graphql",
        json={"query": query, "variables": v},
        headers={"Authorization": f"Bearer {token}"},
    )
    return _answer(response.status_code, response.json())


async def get(app: Starlette, http: httpx.AsyncClient, token: str, query: str, v: Any) -> Answer:
    params = {"query": query, **({"variables": json.dumps(v)} if v else {})}
    response = await http.get(
        "/graphql", params=params, headers={"Authorization": f"Bearer {token}"}
    )
    return _answer(response.status_code, response.json())


async def batch(app: Starlette, http: httpx.AsyncClient, token: str, query: str, v: Any) -> Answer:
    response = await http.post(
        "/graphql",
        json=[{"query": query, "variables": v}],
        headers={"Authorization": f"Bearer {token}"},
    )
    body = response.json()
    assert isinstance(body, list) and len(body) == 1, body
    return _answer(response.status_code, body[0])


async def persisted(
    app: Starlette, http: httpx.AsyncClient, token: str, query: str, v: Any, register: str = ""
) -> Answer:
    """The hash alone, the query stored beforehand by another app of the brand (`register`),
    so storing it charges nobody's bucket but that app's."""
    hashed = {"persistedQuery": {"version": 1, "sha256Hash": _sha(query)}}
    stored = await http.post(
        "/graphql",
        json={"query": query, "variables": v, "extensions": hashed},
        headers={"Authorization": f"Bearer {register}"},
    )
    assert stored.status_code in (200, 429) or stored.json().get("errors"), stored.text
    response = await http.post(
        "/graphql",
        json={"variables": v, "extensions": hashed},
        headers={"Authorization": f"Bearer {token}"},
    )
    return _answer(response.status_code, response.json())


async def websocket(
    app: Starlette, http: httpx.AsyncClient, token: str, query: str, v: Any
) -> Answer:
    _, reply = await asgi_websocket(
        app,
        [
            {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}},
            {"id": "1", "type": "subscribe", "payload": {"query": query, "variables": v}},
        ],
    )
    if reply["type"] == "error":
        return _answer(None, {"errors": reply["payload"]})
    assert reply["type"] == "next", reply
    return _answer(None, reply["payload"])


ENTRY_POINTS = {"post": post, "get": get, "batch": batch, "persisted": persisted, "ws": websocket}


@asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[tuple[Starlette, httpx.AsyncClient]]:
    app = create_app(settings, manage_db=False)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://test") as http,
    ):
        yield app, http


async def _through_each(
    settings: Settings, send_all: Callable[[str, Send], Awaitable[Any]]
) -> dict[str, Any]:
    async with running(settings) as (app, http):
        return {
            name: await send_all(name, partial(entry, app, http))
            for name, entry in ENTRY_POINTS.items()
        }


async def test_refusals_masking_and_cost_are_the_same_on_every_entry_point(
    gql: GraphQL, settings: Settings
) -> None:
    brand = await make_brand()
    writer = await app_token(settings, brand, "customers:write")
    customer = await create_customer(gql, writer, name="Jane", email="jane@example.com")
    reader = await app_token(settings, brand, "customers:read")
    no_scope = await app_token(settings, brand, "points:write")
    registrar = await app_token(settings, brand, "customers:read")

    async def send_all(name: str, send: Any) -> tuple[Answer, ...]:
        extra = {"register": registrar} if name == "persisted" else {}
        return (
            await send(reader, TOO_COSTLY, None, **extra),
            await send(reader, EMAIL, {"id": customer["id"]}, **extra),
            await send(no_scope, COUNT, None, **extra),
        )

    answers = await _through_each(settings, send_all)
    costly, masked, refused = answers["post"]
    assert costly.errors == [
        (
            "QUERY_TOO_COMPLEX",
            "query cost 10401 exceeds the limit of 10000; ask for smaller pages or fewer fields",
        )
    ]
    assert costly.data is None
    assert masked.data == {"customer": {"name": "Jane", "email": "j***@example.com"}}
    assert masked.extensions == {"cost": {"requestedQueryCost": 3, "maximumAvailable": 10000}}
    assert [code for code, _ in refused.errors] == ["FORBIDDEN"]
    for name, (other_costly, other_masked, other_refused) in answers.items():
        assert (other_costly.errors, other_costly.data) == (costly.errors, costly.data), name
        if name != "ws":  # a websocket's `error` message carries the errors alone
            assert other_costly.extensions == costly.extensions, name
        assert (other_masked.data, other_masked.errors, other_masked.extensions) == (
            masked.data,
            masked.errors,
            masked.extensions,
        ), name
        assert other_refused.errors == refused.errors, name
    single = [answers[name] for name in ("post", "get", "persisted")]
    assert {tuple(a.status for a in answer) for answer in single} == {(200, 200, 200)}


async def test_the_rate_limit_refuses_the_same_burst_on_every_entry_point(
    settings: Settings,
) -> None:
    """A bucket of 5 points: two requests of 2 pass, the third is refused, on each entry point
    (each with its own caller)."""
    brand = await make_brand()
    limited = replace(settings, rate_limit_per_second=1e-6, rate_limit_burst=5)
    registrar = await app_token(settings, brand, "customers:read")

    async def send_all(name: str, send: Any) -> list[Answer]:
        token = await app_token(settings, brand, "customers:read")  # a caller of its own
        extra = {"register": registrar} if name == "persisted" else {}
        return [await send(token, CHEAP, None, **extra) for _ in range(3)]

    answers = await _through_each(limited, send_all)
    for name, (first, second, third) in answers.items():
        assert first.data == second.data == {"viewer": {"kind": "app"}}, name
        assert not first.errors and not second.errors, name
        assert third.data is None, name
        assert third.errors == [("RATE_LIMITED", "rate limit exceeded; retry in 1000000 s")], name
        if name != "ws":
            assert third.extensions == {
                "cost": {"requestedQueryCost": 2, "maximumAvailable": 10000}
            }
            assert third.status == 429, name


class Spy(RequestPolicy):
    """A policy added to the list: notes each operation it sees and each result it finishes,
    and refuses the operation `Refused`."""

    def __init__(self) -> None:
        self.checked: list[str | None] = []
        self.finished: list[str | None] = []

    def check(self, request: Request) -> Checked:
        self.checked.append(request.query)
        if request.query and " Refused " in request.query:
            return [GraphQLError("refused by the spy", extensions={"code": "SPY_REFUSED"})]
        return None

    def finish(self, request: Request, result: ExecutionResult) -> None:
        self.finished.append(request.query)


async def test_a_policy_added_to_the_list_runs_on_every_entry_point(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = Spy()
    monkeypatch.setattr(server, "build_schema", partial(build_schema, extra_policies=[spy]))
    brand = await make_brand()
    token = await app_token(settings, brand, "customers:read")
    registrar = await app_token(settings, brand, "customers:read")
    refused = "query Refused { viewer { kind } }"

    async def send_all(name: str, send: Any) -> tuple[Answer, Answer, int]:
        before = len(spy.checked)
        extra = {"register": registrar} if name == "persisted" else {}
        passed = await send(token, CHEAP, None, **extra)
        refusal = await send(token, refused, None, **extra)
        return passed, refusal, len(spy.checked) - before

    answers = await _through_each(settings, send_all)
    for name, (passed, refusal, checked) in answers.items():
        assert passed.data == {"viewer": {"kind": "app"}}, name
        assert refusal.data is None, name
        assert refusal.errors == [("SPY_REFUSED", "refused by the spy")], name
        # The persisted query's registration is an operation too (its query is executed).
        assert checked == (4 if name == "persisted" else 2), name
    assert spy.checked == spy.finished, "each operation checked is finished"
    events = await app_token(settings, brand, "events:read")
    async with running(settings) as (app, http):
        subscription = await websocket(
            app, http, events, "subscription Refused { events { id } }", None
        )
    assert subscription.errors == [("SPY_REFUSED", "refused by the spy")]
    assert spy.checked[-1] == spy.finished[-1] == "subscription Refused { events { id } }"
