"""POST /auth/token: the OAuth2 client-credentials grant (RFC 6749 section 4.4)."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import jwt
import pytest

from auth.oauth import _basic_credentials
from config import Settings
from models import Brand
from services.brands import brands
from tests.support import GraphQL, error_codes, make_brand

VIEWER = "{ viewer { kind subject scopes brand } }"


async def new_app(brand: Brand, scopes: str = "customers:write pii:read") -> tuple[str, str]:
    created = await brands.create_app(brand, "POS", scopes.split())
    return created.app.client_id, created.client_secret


async def request_token(http: httpx.AsyncClient, **form: str) -> httpx.Response:
    return await http.post("/auth/token", data={"grant_type": "client_credentials", **form})


def basic(client_id: str, secret: str) -> dict[str, str]:
    raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


async def test_form_credentials_get_a_bearer_token(
    http: httpx.AsyncClient, gql: GraphQL, settings: Settings
) -> None:
    brand = await make_brand("acme")
    client_id, secret = await new_app(brand)
    response = await request_token(http, client_id=client_id, client_secret=secret)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body: dict[str, Any] = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "scope"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == settings.app_token_ttl_seconds
    assert body["scope"] == "customers:write pii:read"
    viewer = (await gql.data(VIEWER, token=body["access_token"]))["viewer"]
    app = await brands.authenticate_app(client_id, secret)
    assert app is not None
    assert viewer == {
        "kind": "app",
        "subject": f"app:{app.id}",
        "brand": "acme",
        "scopes": ["customers:write", "pii:read"],
    }


async def test_token_expiry_matches_expires_in(http: httpx.AsyncClient, settings: Settings) -> None:
    client_id, secret = await new_app(await make_brand())
    body = (await request_token(http, client_id=client_id, client_secret=secret)).json()
    claims = jwt.decode(
        body["access_token"],
        settings.jwt_secret,
        algorithms=["HS256"],
        audience=settings.jwt_audience,
    )
    assert claims["exp"] - claims["iat"] == body["expires_in"]
    assert claims["brand"] == "acme"


async def test_http_basic_credentials_get_a_token(http: httpx.AsyncClient, gql: GraphQL) -> None:
    client_id, secret = await new_app(await make_brand())
    response = await http.post(
        "/auth/token", data={"grant_type": "client_credentials"}, headers=basic(client_id, secret)
    )
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    token = response.json()["access_token"]
    assert (await gql.data(VIEWER, token=token))["viewer"]["kind"] == "app"


async def test_wrong_basic_secret_is_refused(http: httpx.AsyncClient) -> None:
    client_id, _ = await new_app(await make_brand())
    response = await http.post(
        "/auth/token",
        data={"grant_type": "client_credentials"},
        headers=basic(client_id, "not-the-secret"),
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert response.headers["www-authenticate"].lower().startswith("basic")


async def test_scope_can_be_narrowed(http: httpx.AsyncClient, gql: GraphQL) -> None:
    client_id, secret = await new_app(await make_brand())
    response = await request_token(
        http, client_id=client_id, client_secret=secret, scope="customers:read"
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["scope"] == "customers:read"
    viewer = (await gql.data(VIEWER, token=body["access_token"]))["viewer"]
    assert viewer["scopes"] == ["customers:read"]
    # The narrowed token really lost the write and PII scopes.
    result = await gql.post(
        'mutation { createCustomer(input: {name: "X"}) { customer { id } } }',
        token=body["access_token"],
    )
    assert error_codes(result) == ["FORBIDDEN"]


@pytest.mark.parametrize(
    "scope", ["admin", "customers:write points:write", "points:read", "customers:fly"]
)
async def test_scope_beyond_the_grant_or_unknown_is_invalid_scope(
    http: httpx.AsyncClient, scope: str
) -> None:
    client_id, secret = await new_app(await make_brand(), "customers:write")
    response = await request_token(http, client_id=client_id, client_secret=secret, scope=scope)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"
    assert "access_token" not in response.json()
    assert response.headers["cache-control"] == "no-store"


async def test_admin_app_may_ask_for_any_known_scope(http: httpx.AsyncClient) -> None:
    client_id, secret = await new_app(await make_brand(), "admin")
    response = await request_token(
        http, client_id=client_id, client_secret=secret, scope="points:write pii:read"
    )
    assert response.status_code == 200, response.text
    assert response.json()["scope"] == "pii:read points:write"


@pytest.mark.parametrize("case", ["wrong secret", "unknown client", "disabled", "no secret"])
async def test_bad_client_is_invalid_client(http: httpx.AsyncClient, case: str) -> None:
    client_id, secret = await new_app(await make_brand())
    form = {"client_id": client_id, "client_secret": secret}
    if case == "wrong secret":
        form["client_secret"] = secret + "x"
    elif case == "unknown client":
        form["client_id"] = "app_000000000000000000000000"
    elif case == "disabled":
        await brands.set_app_active(client_id, False)
    else:
        del form["client_secret"]
    response = await request_token(http, **form)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert "access_token" not in response.json()


async def test_re_enabled_app_gets_tokens_again(http: httpx.AsyncClient) -> None:
    client_id, secret = await new_app(await make_brand())
    await brands.set_app_active(client_id, False)
    assert (await request_token(http, client_id=client_id, client_secret=secret)).status_code == 401
    await brands.set_app_active(client_id, True)
    assert (await request_token(http, client_id=client_id, client_secret=secret)).status_code == 200


@pytest.mark.parametrize("grant_type", ["password", "authorization_code"])
async def test_other_grant_types_are_unsupported(http: httpx.AsyncClient, grant_type: str) -> None:
    client_id, secret = await new_app(await make_brand())
    response = await http.post(
        "/auth/token",
        data={"grant_type": grant_type, "client_id": client_id, "client_secret": secret},
    )
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


@pytest.mark.parametrize("form", [{"grant_type": ""}, {}])
async def test_missing_grant_type_is_invalid_request(
    http: httpx.AsyncClient, form: dict[str, str]
) -> None:
    client_id, secret = await new_app(await make_brand())
    response = await http.post(
        "/auth/token", data={**form, "client_id": client_id, "client_secret": secret}
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


async def test_empty_scope_means_everything_granted(http: httpx.AsyncClient) -> None:
    client_id, secret = await new_app(await make_brand(), "customers:write pii:read")
    response = await request_token(http, client_id=client_id, client_secret=secret, scope=" ")
    assert response.status_code == 200, response.text
    assert response.json()["scope"] == "customers:write pii:read"


def test_basic_credentials_are_form_decoded() -> None:
    """RFC 6749 2.3.1: each part is form-urlencoded: '+' is a space, '%2B' a plus."""
    header = basic("pos%3Aapp", "a+b%2Bc")["Authorization"]
    assert _basic_credentials(header) == ("pos:app", "a b+c")
    assert _basic_credentials("Basic not-base64!") is None
    assert _basic_credentials("Basic " + base64.b64encode(b"no-colon").decode()) is None


async def test_json_body_is_invalid_request(http: httpx.AsyncClient) -> None:
    client_id, secret = await new_app(await make_brand())
    response = await http.post(
        "/auth/token",
        json={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert "access_token" not in response.json()


async def test_token_endpoint_only_accepts_post(http: httpx.AsyncClient) -> None:
    response = await http.get("/auth/token")
    assert response.status_code == 405


async def test_token_is_bound_to_the_apps_brand(http: httpx.AsyncClient, gql: GraphQL) -> None:
    await make_brand("brand-a")
    client_id, secret = await new_app(await make_brand("brand-b"))
    token = (await request_token(http, client_id=client_id, client_secret=secret)).json()
    viewer = (await gql.data(VIEWER, token=token["access_token"]))["viewer"]
    assert viewer["brand"] == "brand-b"


async def test_media_type_is_case_insensitive(http: httpx.AsyncClient) -> None:
    client_id, secret = await new_app(await make_brand())
    response = await http.post(
        "/auth/token",
        content=f"grant_type=client_credentials&client_id={client_id}&client_secret={secret}",
        headers={"Content-Type": "Application/X-WWW-Form-Urlencoded; charset=UTF-8"},
    )
    assert response.status_code == 200, response.text
