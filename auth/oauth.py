"""POST /auth/token: the OAuth2 client-credentials grant (RFC 6749 section 4.4)."""

from __future__ import annotations

import base64
import binascii
from urllib.parse import unquote_plus

from starlette.requests import Request
from starlette.responses import JSONResponse

from auth.credential_throttle import client_address, throttle_of
from auth.scopes import UnknownScope, narrow, parse_scopes
from auth.tokens import issue_token
from config import Settings
from services.brands.brands import authenticate_app, record_failed_client_auth

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _error(status: int, error: str, description: str) -> JSONResponse:
    headers = dict(NO_STORE)
    if status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="crm"'
    return JSONResponse(
        {"error": error, "error_description": description}, status_code=status, headers=headers
    )


def _throttled(retry_after: int) -> JSONResponse:
    """Too many wrong secrets (auth.credential_throttle): the secret was not checked."""
    body = {
        "error": "rate_limited",
        "error_description": f"too many failed attempts; retry in {retry_after} s",
        "code": "RATE_LIMITED",
    }
    headers = {**NO_STORE, "Retry-After": str(retry_after)}
    return JSONResponse(body, status_code=429, headers=headers)


def _basic_credentials(header: str | None) -> tuple[str, str] | None:
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        raw = base64.b64decode(header[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, secret = raw.partition(":")
    # RFC 6749 2.3.1: both parts are form-urlencoded before joining, so '+' is a space.
    return (unquote_plus(client_id), unquote_plus(secret)) if sep else None


async def token_endpoint(request: Request) -> JSONResponse:
    settings: Settings = request.app.state.settings
    content_type = request.headers.get("content-type", "").lower()
    if not content_type.startswith("application/x-www-form-urlencoded"):
        return _error(400, "invalid_request", "send an application/x-www-form-urlencoded body")
    form = await request.form()
    grant_type = form.get("grant_type")
    if not grant_type:
        return _error(400, "invalid_request", "grant_type is required")
    if grant_type != "client_credentials":
        return _error(400, "unsupported_grant_type", "only client_credentials is supported")
    credentials = _basic_credentials(request.headers.get("authorization"))
    if credentials is None:
        client_id, secret = form.get("client_id"), form.get("client_secret")
        if not isinstance(client_id, str) or not isinstance(secret, str):
            return _error(401, "invalid_client", "client authentication failed")
        credentials = (client_id, secret)
    throttle, address = throttle_of(request), client_address(request)
    client_id = credentials[0]
    wait = await throttle.retry_after("client", client_id, address)
    if wait is not None:
        return _throttled(wait)
    app = await authenticate_app(*credentials)
    if app is None:
        await throttle.failed("client", client_id, address)
        request_id = request.scope.get("state", {}).get("request_id", "")
        await record_failed_client_auth(client_id, address, request_id)
        return _error(401, "invalid_client", "client authentication failed")
    await throttle.succeeded("client", client_id, address)
    granted = frozenset(app.scopes.split())
    requested = form.get("scope")
    try:
        if isinstance(requested, str) and requested.strip():
            scopes = narrow(granted, parse_scopes(requested))
        else:  # an absent or empty scope means everything the app was granted (RFC 6749 3.3)
            scopes = granted
    except UnknownScope as exc:
        return _error(400, "invalid_scope", str(exc))
    token = issue_token(
        settings,
        "app",
        app.id,
        app.brand.slug,
        scopes,
        settings.app_token_ttl_seconds,
        app.token_generation,
    )
    body = {
        "access_token": token.token,
        "token_type": "Bearer",
        "expires_in": settings.app_token_ttl_seconds,
        "scope": " ".join(sorted(scopes)),
    }
    return JSONResponse(body, headers=NO_STORE)
