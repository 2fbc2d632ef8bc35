"""GraphiQL and the live dashboard in real headless Chromium, against a real server, offline:
every request the pages make goes to the server itself."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

from config import Settings
from tests.browser import Visit, chromium, screenshot
from tests.support import app_token, make_brand
from tests.test_events_ws import create, mutate, server  # noqa: F401

AWARD = """mutation($input: AwardPointsInput!) { awardPoints(input: $input) {
  transaction { amount } errors { code } } }"""
EDITOR = """(label) => [...document.querySelectorAll('.CodeMirror')].find(
  (e) => e.closest('[aria-label]')?.getAttribute('aria-label') === label
    && !e.parentElement.classList.contains('hidden')).CodeMirror"""


def only_the_server(visit: Visit, base: str) -> None:
    hosts = {urlsplit(url).netloc for url in visit.requests if not url.startswith("data:")}
    assert hosts == {base}, visit.requests
    refused = [line for line in visit.console if "Content Security Policy" in line]
    assert refused == []


async def test_graphiql_runs_a_query_with_the_pasted_token(
    server: str,  # noqa: F811
    settings: Settings,
    tmp_path: Path,
) -> None:
    brand = await make_brand("graphiql")
    token = await app_token(settings, brand, "customers:read")
    await create(server, await app_token(settings, brand, "customers:write"), "Zhang Min")
    async with chromium(tmp_path) as visit:
        page = visit.page
        await page.goto(f"http://{server}/graphql")
        await page.wait_for_selector(".graphiql-execute-button")
        headers = json.dumps({"Authorization": f"Bearer {token}"})
        await page.evaluate(f"(value) => ({EDITOR})('Headers').setValue(value)", headers)
        query = "{ viewer { brand scopes } customers(first: 5) { totalCount } }"
        await page.evaluate(f"(value) => ({EDITOR})('Query Editor').setValue(value)", query)
        await page.click(".graphiql-execute-button")
        await page.wait_for_function(
            f"() => ({EDITOR})('Result Window').getValue().includes('totalCount')"
        )
        result = json.loads(await page.evaluate(f"() => ({EDITOR})('Result Window').getValue()"))
        await screenshot(visit, tmp_path / "graphiql.png")
        only_the_server(visit, server)
    assert result["data"] == {
        "viewer": {"brand": "graphiql", "scopes": ["customers:read"]},
        "customers": {"totalCount": 1},
    }


async def test_dashboard_shows_points_awarded_through_the_api(
    server: str,  # noqa: F811
    settings: Settings,
    tmp_path: Path,
) -> None:
    brand = await make_brand("live")
    staff = await app_token(settings, brand, "analytics:read events:read points:read")
    partner = await app_token(settings, brand, "customers:write points:write")
    customer_id = await create(server, partner, "Wang Fang")
    async with chromium(tmp_path) as visit:
        page = visit.page
        await page.goto(f"http://{server}/dashboard")
        await page.fill("#token", staff)
        await page.click("#sign-in button[type=submit]")
        shown = page.locator('[data-kpi="pointsIssuedToday"] .value')
        await page.wait_for_function(
            "() => document.querySelector('#status').dataset.state === 'live'"
            " && /^\\d/.test(document.querySelector('[data-kpi=\"pointsIssuedToday\"] .value')"
            ".textContent)"
        )
        assert await shown.text_content() == "0"
        assert await page.locator("#brand").text_content() == "live"
        award = {"customerId": customer_id, "points": 1250, "reason": "welcome"}
        body = await mutate(server, partner, AWARD, {"input": award})
        assert body["data"]["awardPoints"]["errors"] == [], body
        await page.wait_for_function(
            "() => document.querySelector('[data-kpi=\"pointsIssuedToday\"] .value')"
            ".textContent === '1,250'",
            timeout=10_000,
        )
        await page.wait_for_selector("#events li")
        latest = await page.locator("#events li").first.text_content()
        assert "points.changed" in (latest or "")
        assert await page.locator('[data-kpi="pointsIssuedToday"] svg path').count() == 1
        await screenshot(visit, tmp_path / "dashboard.png")
        only_the_server(visit, server)


async def test_dashboard_sends_a_refused_token_back_to_sign_in(
    server: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    async with chromium(tmp_path) as visit:
        page = visit.page
        await page.goto(f"http://{server}/dashboard")
        await page.fill("#token", "not-a-token")
        await page.click("#sign-in button[type=submit]")
        await page.wait_for_function("() => document.querySelector('#sign-in-error').textContent")
        assert "invalid token" in (await page.locator("#sign-in-error").text_content() or "")
        assert await page.locator("#board").is_hidden()
