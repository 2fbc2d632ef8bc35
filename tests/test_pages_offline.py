"""The browser pages load nothing from another host: every file they reference is the server's
own, served from web/static, and the served GraphiQL files are the released ones."""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser

import httpx
import pytest

REFERENCES = ("src", "href", "action", "data")


class References(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str | None]] = []  # (url, integrity)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in REFERENCES:
            if values.get(name):
                self.found.append((str(values[name]), values.get("integrity")))


def foreign_urls(text: str) -> list[str]:
    """Absolute http(s)/ws(s) URLs and protocol-relative ones in a page or script."""
    return re.findall(r"""(?:https?|wss?):\/\/[^\s"'<>)]+|["'(]\/\/[^\s"'<>)]+""", text)


@pytest.mark.parametrize(
    ("path", "headers"),
    [("/graphql", {"Accept": "text/html"}), ("/dashboard", {})],
    ids=["graphiql", "dashboard"],
)
async def test_pages_reference_only_the_servers_own_files(
    http: httpx.AsyncClient, path: str, headers: dict[str, str]
) -> None:
    page = await http.get(path, headers=headers)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "script-src 'self';" in policy
    parser = References()
    parser.feed(page.text)
    assert parser.found, "the page references its files"
    assert foreign_urls(page.text) == []
    for url, integrity in parser.found:
        if url.startswith("data:"):
            continue
        assert url.startswith("/static/"), url
        asset = await http.get(url)
        assert asset.status_code == 200, url
        if integrity:
            digest = base64.b64encode(hashlib.sha384(asset.content).digest()).decode()
            assert integrity == f"sha384-{digest}", url


async def test_the_pages_own_scripts_open_no_other_host(http: httpx.AsyncClient) -> None:
    for name in (
        "graphiql/start.js",
        "dashboard/dashboard.js",
        "dashboard/graphql-transport-ws.js",
        "dashboard/chart.js",
    ):
        script = await http.get(f"/static/{name}")
        assert script.status_code == 200
        # The SVG namespace is a name, not a request.
        found = [url for url in foreign_urls(script.text) if url != "http://www.w3.org/2000/svg"]
        assert found == [], name


async def test_static_files_stay_inside_their_folder(http: httpx.AsyncClient) -> None:
    for path in ("/static/../server.py", "/static/%2e%2e/config.py", "/static/nothing.js"):
        assert (await http.get(path)).status_code == 404, path
