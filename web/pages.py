"""The browser pages: GraphiQL at /graphql and the dashboard at /dashboard, with their files."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
TEMPLATES = HERE / "templates"

# Only this server's own files; GraphiQL and the dashboard talk to /graphql on the same origin.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)


@cache
def _template(name: str) -> str:
    return (TEMPLATES / name).read_text()


def page(name: str) -> HTMLResponse:
    return HTMLResponse(
        _template(name),
        headers={
            "Content-Security-Policy": CONTENT_SECURITY_POLICY,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        },
    )


def graphiql_page() -> HTMLResponse:
    return page("graphiql.html")


async def dashboard(request: Request) -> HTMLResponse:
    return page("dashboard.html")


def static_files() -> StaticFiles:
    return StaticFiles(directory=STATIC)
