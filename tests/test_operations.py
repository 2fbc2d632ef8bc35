"""Operators' handles, in process: /metrics, the JSON request log, the RateLimit headers, the
outbox lag and webhook failures (tests/test_production_run.py runs the production command)."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

import httpx
import pytest

from config import Settings
from events.outbox import backlog, utcnow
from models.events import OutboxEvent
from server import create_app
from services.customers import customers
from services.webhooks import webhooks
from tests.metrics_support import families, sample
from tests.support import app_token, make_brand
from tests.test_events_delivery import (  # noqa: F401
    SECRET,
    FlakyReceiver,
    _pump,
    _quick,
    serve,
    system_actor,
)

NAMED = 'query BrandName { brand(slug: "metered") { name } }'


async def _metrics(http: httpx.AsyncClient, **headers: str) -> str:
    response = await http.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=")
    return response.text


async def test_metrics_count_operations_by_name_and_outcome(http: httpx.AsyncClient) -> None:
    await make_brand("metered")
    before = await _metrics(http)
    for _ in range(2):
        assert (await http.post("/graphql", json={"query": NAMED})).status_code == 200
    refused = {"query": "query NeverRan { noSuchField }", "operationName": "NeverRan"}
    await http.post("/graphql", json=refused)
    await http.get("/graphql", params={"query": '{ brand(slug: "metered") { name } }'})
    after = await _metrics(http)

    def delta(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    total = "crm_graphql_operations_total"
    assert delta(total, operation="BrandName", outcome="ok") == 2
    assert delta(total, operation="other", outcome="refused") == 1  # never executed: no label
    assert delta(total, operation="anonymous", outcome="ok") == 1
    assert delta("crm_graphql_operation_duration_seconds_count", operation="BrandName") == 2
    assert delta("crm_http_requests_total", route="/graphql", status="200") == 4
    assert delta("crm_http_request_duration_seconds_count", route="/graphql") == 4
    assert {
        "crm_graphql_operations",
        "crm_graphql_operation_duration_seconds",
        "crm_http_requests",
        "crm_websocket_subscribers",
        "crm_db_pool_connections_in_use",
        "crm_db_pool_connections",
        "crm_outbox_lag_seconds",
        "crm_outbox_unrelayed_events",
        "crm_webhook_delivery_failures",
    } <= families(after)


@pytest.fixture
async def app_with(settings: Settings) -> AsyncIterator[Callable[..., Any]]:
    """An app with changed settings, as an httpx client."""
    clients: list[tuple[Any, Any]] = []

    async def make(**changes: Any) -> httpx.AsyncClient:
        app = create_app(replace(settings, **changes), manage_db=False)
        lifespan = app.router.lifespan_context(app)
        await lifespan.__aenter__()
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
        clients.append((lifespan, client))
        return client

    yield make
    for lifespan, client in clients:
        await client.aclose()
        await lifespan.__aexit__(None, None, None)


async def test_metrics_need_the_token_when_one_is_set(app_with: Callable[..., Any]) -> None:
    http = await app_with(metrics_token="scrape-me")
    assert (await http.get("/metrics")).status_code == 401
    assert (await http.get("/metrics", headers={"Authorization": "Bearer nope"})).status_code == 401
    await _metrics(http, Authorization="Bearer scrape-me")


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(record.getMessage()))


async def test_request_log_is_one_json_line_per_request_without_personal_data(
    app_with: Callable[..., Any], settings: Settings
) -> None:
    http = await app_with(request_log=True)
    brand = await make_brand("logged")
    token = await app_token(settings, brand, "customers:write")
    lines = Lines()
    logging.getLogger("crm.requests").addHandler(lines)
    try:
        create = """mutation AddCustomer($input: CreateCustomerInput!) {
          createCustomer(input: $input) { customer { id } errors { code } } }"""
        person = {"name": "Zhao Lei", "phone": "13912345678", "email": "zhao@example.com"}
        response = await http.post(
            "/graphql",
            json={"query": create, "variables": {"input": person}},
            headers={"Authorization": f"Bearer {token}", "X-Request-ID": "req-42"},
        )
        assert response.json()["data"]["createCustomer"]["errors"] == []
        await http.get("/graphql", params={"query": '{ brand(slug: "Zhao Lei") { name } }'})
    finally:
        logging.getLogger("crm.requests").removeHandler(lines)
    first, second = lines.lines
    app_id = token_app_id(token)
    assert first["request_id"] == "req-42"
    assert {k: first[k] for k in ("type", "method", "path", "status", "brand", "principal")} == {
        "type": "http",
        "method": "POST",
        "path": "/graphql",
        "status": 200,
        "brand": "logged",
        "principal": f"app:{app_id}",
    }
    assert first["operations"] == ["AddCustomer"] and first["outcomes"] == ["ok"]
    assert first["duration_ms"] > 0
    assert second["path"] == "/graphql" and second["brand"] is None  # no query string
    text = json.dumps(lines.lines)
    for personal in ("Zhao", "13912345678", "zhao@example.com", token):
        assert personal not in text


def token_app_id(token: str) -> str:
    import base64

    claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    return str(claims["sub"]).split(":")[1]


async def test_ratelimit_headers_on_both_entry_points(app_with: Callable[..., Any]) -> None:
    http = await app_with(rate_limit_per_second=10.0, rate_limit_burst=100.0)
    await make_brand("limited")
    query = '{ brand(slug: "limited") { name } }'  # costs 2 points
    posted = await http.post("/graphql", json={"query": query})
    assert posted.headers["ratelimit-policy"] == '"graphql";q=100;w=10'
    assert posted.headers["ratelimit"] == '"graphql";r=98;t=1'
    got = await http.get("/graphql", params={"query": query})  # strawberry's view
    assert got.headers["ratelimit-policy"] == '"graphql";q=100;w=10'
    assert got.headers["ratelimit"].startswith('"graphql";r=9')
    unparsed = await http.post("/graphql", json={"query": "{"})  # refused before any charge
    assert unparsed.headers["ratelimit-policy"] == '"graphql";q=100;w=10'
    assert "ratelimit" not in unparsed.headers
    assert "ratelimit-policy" not in (await http.get("/healthz")).headers


async def test_ratelimit_headers_on_a_refusal(app_with: Callable[..., Any]) -> None:
    http = await app_with(rate_limit_per_second=1.0, rate_limit_burst=3.0)
    await make_brand("tight")
    query = '{ brand(slug: "tight") { name } }'
    assert (await http.post("/graphql", json={"query": query})).status_code == 200
    refused = await http.post("/graphql", json={"query": query})
    assert refused.status_code == 429
    assert refused.headers["ratelimit-policy"] == '"graphql";q=3;w=3'
    assert refused.headers["ratelimit"] == '"graphql";r=1;t=2'
    assert refused.headers["retry-after"] == "1"


async def test_outbox_backlog_is_the_age_of_the_oldest_unrelayed_event() -> None:
    brand = await make_brand("lagging")
    assert await backlog() == (0, 0.0)
    for name in ("First", "Second"):
        await customers.create_customer(system_actor(brand.id), brand, {"name": name})
    oldest = await OutboxEvent.filter(brand_id=brand.id).order_by("id").first()
    assert oldest is not None
    await OutboxEvent.filter(id=oldest.id).update(created_at=utcnow() - timedelta(seconds=90))
    waiting, lag = await backlog()
    assert waiting == 2
    assert 90 <= lag < 120
    await OutboxEvent.all().update(published_at=utcnow())
    assert await backlog() == (0, 0.0)


async def test_failed_webhook_deliveries_are_counted(
    settings: Settings,
    serve: Callable[[FlakyReceiver], Any],  # noqa: F811
) -> None:
    from prometheus_client import REGISTRY

    def failures(final: str) -> float:
        found = REGISTRY.get_sample_value("crm_webhook_delivery_failures_total", {"final": final})
        return found or 0.0

    before = failures("false"), failures("true")
    brand = await make_brand()
    url = await serve(FlakyReceiver(fail_first=10_000))
    hook = {"url": url, "event_types": ["customer.created"], "secret": SECRET}
    await webhooks.create_webhook(system_actor(brand.id), hook, allow_private=True)
    await customers.create_customer(system_actor(brand.id), brand, {"name": "Unreachable"})
    await _pump(_quick(settings, webhook_max_attempts=2), rounds=3)
    assert (failures("false") - before[0], failures("true") - before[1]) == (1, 1)
