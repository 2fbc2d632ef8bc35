"""JWT verification rules, revocation and RS256/ES256 key rotation."""

from __future__ import annotations

import base64
import dataclasses
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from auth.context import Context, authenticate
from auth.tokens import InvalidToken, issue_token, verify_token
from config import Settings
from models import Brand
from server import create_app
from services.brands import brands
from tests.querycount import count_statements
from tests.support import GraphQL, app_token, error_codes, make_brand, mint

VIEWER = "{ viewer { kind scopes brand } }"


def claims(settings: Settings, app_id: int, brand: str = "acme", **override: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    base: dict[str, Any] = {
        "sub": f"app:{app_id}",
        "brand": brand,
        "scope": "admin",
        "iat": now,
        "exp": now + timedelta(minutes=5),
        "jti": "j" * 32,
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
    }
    base.update(override)
    return {k: v for k, v in base.items() if v is not None}


def b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data, default=str).encode()).rstrip(b"=").decode()


async def real_app(brand: Brand) -> int:
    return (await brands.create_app(brand, "partner", ["admin"])).app.id


async def assert_refused(gql: GraphQL, token: str, reason: str | None = None) -> None:
    body = await gql.post(VIEWER, token=token)
    assert body["data"] is None
    assert error_codes(body) == ["UNAUTHENTICATED"]
    if reason:
        assert reason in body["errors"][0]["message"].lower()


async def test_valid_token_is_accepted(gql: GraphQL, settings: Settings) -> None:
    token = await app_token(settings, await make_brand(), "customers:read")
    viewer = (await gql.data(VIEWER, token=token))["viewer"]
    assert viewer == {"kind": "app", "scopes": ["customers:read"], "brand": "acme"}


async def test_no_token_is_unauthenticated(gql: GraphQL) -> None:
    await assert_refused(gql, "")
    body = await gql.post(VIEWER)
    assert error_codes(body) == ["UNAUTHENTICATED"]


async def test_expired_token_is_refused(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand()
    token = mint(settings, await real_app(brand), brand.slug, "admin", ttl=-60)
    await assert_refused(gql, token, "expired")


async def test_wrong_signature_is_refused(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand()
    forged = dataclasses.replace(settings, jwt_secret="another-secret-of-sufficient-length-0123456")
    await assert_refused(gql, mint(forged, await real_app(brand), brand.slug, "admin"))


async def test_tampered_payload_is_refused(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand()
    app_id = await real_app(brand)
    header, _, signature = mint(settings, app_id, brand.slug, "customers:read").split(".")
    escalated = b64(claims(settings, app_id, scope="admin"))
    await assert_refused(gql, f"{header}.{escalated}.{signature}")


async def test_alg_none_is_refused(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand()
    app_id = await real_app(brand)
    unsigned = jwt.encode(claims(settings, app_id), None, algorithm="none")  # type: ignore[arg-type]
    await assert_refused(gql, unsigned)
    handmade = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims(settings, app_id))}."
    await assert_refused(gql, handmade)


@pytest.mark.parametrize(
    ("override", "reason"),
    [
        ({"aud": "someone-else"}, "audience"),
        ({"iss": "evil"}, "issuer"),
        ({"jti": None}, "jti"),
        ({"sub": "robot:1"}, "subject"),
        ({"iat": datetime.now(UTC) + timedelta(hours=1)}, None),
    ],
)
async def test_bad_claims_are_refused(
    gql: GraphQL, settings: Settings, override: dict[str, Any], reason: str | None
) -> None:
    brand = await make_brand()
    app_id = await real_app(brand)
    token = jwt.encode(claims(settings, app_id, **override), settings.jwt_secret, "HS256")
    await assert_refused(gql, token, reason)


@pytest.mark.parametrize("garbage", ["garbage", "a.b.c", "Bearer", "x" * 500])
async def test_garbage_token_is_refused(gql: GraphQL, garbage: str) -> None:
    await assert_refused(gql, garbage)


async def test_token_of_a_deleted_brand_is_refused(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand("gone")
    token = await app_token(settings, brand)
    await brand.delete()
    await assert_refused(gql, token, "brand")


async def test_token_of_an_app_that_no_longer_exists_is_refused(
    gql: GraphQL, settings: Settings
) -> None:
    brand = await make_brand()
    created = await brands.create_app(brand, "POS", ["admin"])
    token = mint(settings, created.app.id, brand.slug, "admin")
    await created.app.delete()
    await assert_refused(gql, token, "revoked")


async def test_revoked_token_stops_working(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand()
    admin = await app_token(settings, brand, "admin")
    victim = await app_token(settings, brand, "customers:read")
    jti = jwt.decode(victim, options={"verify_signature": False})["jti"]
    await gql.data(VIEWER, token=victim)
    body = await gql.data(
        "mutation($j: String!) { revokeToken(input: {jti: $j}) { revokedJti errors { code } } }",
        {"j": jti},
        admin,
    )
    assert body["revokeToken"] == {"revokedJti": jti, "errors": []}
    await assert_refused(gql, victim, "revoked")
    # Revoking one token leaves the others alone.
    assert (await gql.data(VIEWER, token=admin))["viewer"]["kind"] == "app"


async def test_revoke_needs_admin(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand()
    writer = await app_token(settings, brand, "customers:write")
    victim = await app_token(settings, brand, "customers:read")
    jti = jwt.decode(victim, options={"verify_signature": False})["jti"]
    body = await gql.post(
        "mutation($j: String!) { revokeToken(input: {jti: $j}) { revokedJti } }", {"j": jti}, writer
    )
    assert error_codes(body) == ["FORBIDDEN"]
    await gql.data(VIEWER, token=victim)


async def test_disabling_the_app_revokes_its_tokens(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand()
    created = await brands.create_app(brand, "POS", ["customers:read"])
    token = mint(settings, created.app.id, brand.slug, "customers:read")
    await gql.data(VIEWER, token=token)
    await brands.set_app_active(created.app.client_id, False)
    await assert_refused(gql, token, "revoked")
    enabled = await brands.set_app_active(created.app.client_id, True)
    await assert_refused(gql, token, "revoked")  # tokens from before the disable stay dead
    assert enabled is not None and enabled.token_generation == 1
    fresh = issue_token(
        settings, "app", created.app.id, brand.slug, frozenset({"customers:read"}), 600, 1
    )
    await gql.data(VIEWER, token=fresh.token)


async def test_deactivated_staff_user_is_refused(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand()
    user = await brands.create_staff_user(brand, "ann@example.com", "password123", "AGENT")
    token = issue_token(settings, "user", user.id, brand.slug, frozenset({"customers:read"}), 600)
    await gql.data(VIEWER, token=token.token)
    user.is_active = False
    await user.save()
    await assert_refused(gql, token.token, "revoked")


# RS256 / ES256 with key ids and rotation.


def rsa_pair() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return _pem(key), _pub(key)


def ec_pair() -> tuple[str, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    return _pem(key), _pub(key)


def _pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def _pub(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


@pytest.fixture(scope="module")
def rsa_keys() -> dict[str, tuple[str, str]]:
    return {"k1": rsa_pair(), "k2": rsa_pair(), "k3": rsa_pair()}


def asymmetric(
    base: Settings,
    algorithm: str,
    keys: dict[str, tuple[str, str]],
    signing: str,
    trusted: list[str],
) -> Settings:
    return dataclasses.replace(
        base,
        jwt_algorithm=algorithm,
        jwt_secret="",
        jwt_private_key=keys[signing][0],
        jwt_key_id=signing,
        jwt_public_keys={kid: keys[kid][1] for kid in trusted},
    )


def test_rs256_rotation_unit(settings: Settings, rsa_keys: dict[str, tuple[str, str]]) -> None:
    old = asymmetric(settings, "RS256", rsa_keys, "k1", ["k1", "k2"])
    new = asymmetric(settings, "RS256", rsa_keys, "k2", ["k1", "k2"])
    by_k1 = issue_token(old, "app", 1, "acme", frozenset({"admin"}), 60).token
    by_k2 = issue_token(new, "app", 1, "acme", frozenset({"admin"}), 60).token
    assert jwt.get_unverified_header(by_k1)["kid"] == "k1"
    for verifier in (old, new):
        assert verify_token(verifier, by_k1).brand_slug == "acme"
        assert verify_token(verifier, by_k2).subject == "app:1"
    retired = asymmetric(settings, "RS256", rsa_keys, "k2", ["k2"])
    with pytest.raises(InvalidToken, match="unknown signing key"):
        verify_token(retired, by_k1)
    by_k3 = issue_token(
        asymmetric(settings, "RS256", rsa_keys, "k3", ["k3"]),
        "app",
        1,
        "acme",
        frozenset({"admin"}),
        60,
    ).token
    with pytest.raises(InvalidToken, match="unknown signing key"):
        verify_token(old, by_k3)


def test_rs256_refuses_a_listed_kid_with_the_wrong_key(
    settings: Settings, rsa_keys: dict[str, tuple[str, str]]
) -> None:
    verifier = asymmetric(settings, "RS256", rsa_keys, "k1", ["k1", "k2"])
    liar = dataclasses.replace(verifier, jwt_private_key=rsa_keys["k3"][0])  # signs with k3 as "k1"
    with pytest.raises(InvalidToken, match="invalid token"):
        verify_token(verifier, issue_token(liar, "app", 1, "acme", frozenset(), 60).token)


def test_rs256_refuses_tokens_without_kid_and_hs256_confusion(
    settings: Settings, rsa_keys: dict[str, tuple[str, str]]
) -> None:
    verifier = asymmetric(settings, "RS256", rsa_keys, "k1", ["k1"])
    body = claims(settings, 1)
    no_kid = jwt.encode(body, rsa_keys["k1"][0], algorithm="RS256")
    with pytest.raises(InvalidToken, match="unknown signing key"):
        verify_token(verifier, no_kid)
    hs_token = f"{b64({'alg': 'HS256', 'kid': 'k1'})}.{b64(body)}.c2ln"
    with pytest.raises(InvalidToken):
        verify_token(verifier, hs_token)
    # An HS256 deployment must not accept an RS256 token either.
    with pytest.raises(InvalidToken):
        verify_token(settings, issue_token(verifier, "app", 1, "acme", frozenset(), 60).token)


def test_es256_round_trip_and_unknown_kid(settings: Settings) -> None:
    keys = {"e1": ec_pair(), "e2": ec_pair()}
    signer = asymmetric(settings, "ES256", keys, "e1", ["e1"])
    token = issue_token(signer, "user", 7, "acme", frozenset({"customers:read"}), 60).token
    assert jwt.get_unverified_header(token)["alg"] == "ES256"
    principal = verify_token(signer, token)
    assert (principal.kind, principal.subject_id, principal.scopes) == (
        "user",
        7,
        frozenset({"customers:read"}),
    )
    other = issue_token(
        asymmetric(settings, "ES256", keys, "e2", ["e2"]), "user", 7, "acme", frozenset(), 60
    ).token
    with pytest.raises(InvalidToken, match="unknown signing key"):
        verify_token(signer, other)
    with pytest.raises(InvalidToken, match="expired"):
        verify_token(signer, issue_token(signer, "user", 7, "acme", frozenset(), -60).token)


def test_asymmetric_without_private_key_cannot_issue(settings: Settings) -> None:
    broken = dataclasses.replace(settings, jwt_algorithm="RS256", jwt_private_key=None)
    with pytest.raises(RuntimeError):
        issue_token(broken, "app", 1, "acme", frozenset(), 60)


@pytest.fixture
async def rs_client(
    settings: Settings, rsa_keys: dict[str, tuple[str, str]]
) -> AsyncIterator[tuple[GraphQL, Settings]]:
    rs_settings = asymmetric(settings, "RS256", rsa_keys, "k1", ["k1", "k2"])
    app = create_app(rs_settings, manage_db=False)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://test") as client,
    ):
        yield GraphQL(client), rs_settings


async def test_rs256_tokens_through_the_api(
    rs_client: tuple[GraphQL, Settings], settings: Settings, rsa_keys: dict[str, tuple[str, str]]
) -> None:
    gql, rs_settings = rs_client
    brand = await make_brand()
    created = await brands.create_app(brand, "POS", ["customers:read"])
    # The token endpoint signs with the configured RS256 key.
    response = await gql.http.post(
        "/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": created.app.client_id,
            "client_secret": created.client_secret,
        },
    )
    issued = response.json()["access_token"]
    assert jwt.get_unverified_header(issued) == {"alg": "RS256", "kid": "k1", "typ": "JWT"}
    assert (await gql.data(VIEWER, token=issued))["viewer"]["brand"] == "acme"
    rotated = dataclasses.replace(rs_settings, jwt_private_key=rsa_keys["k2"][0], jwt_key_id="k2")
    by_k2 = mint(rotated, created.app.id, brand.slug, "customers:read")
    assert (await gql.data(VIEWER, token=by_k2))["viewer"]["scopes"] == ["customers:read"]
    unknown = dataclasses.replace(rs_settings, jwt_private_key=rsa_keys["k3"][0], jwt_key_id="k3")
    await assert_refused(gql, mint(unknown, created.app.id, brand.slug, "customers:read"), "key")
    # An HS256 token made with the (still configured) test secret is not accepted either.
    await assert_refused(gql, mint(settings, created.app.id, brand.slug, "customers:read"))


async def test_a_brand_cannot_revoke_or_block_another_brands_token(
    gql: GraphQL, settings: Settings
) -> None:
    acme = await make_brand("acme")
    rival_admin = await app_token(settings, await make_brand("rival"), "admin")
    victim = await app_token(settings, acme, "customers:read")
    jti = jwt.decode(victim, options={"verify_signature": False})["jti"]
    revoke = (
        "mutation($j: String!) { revokeToken(input: {jti: $j}) { revokedJti errors { code } } }"
    )
    await gql.data(revoke, {"j": jti}, rival_admin)
    assert (await gql.data(VIEWER, token=victim))["viewer"]["kind"] == "app"
    acme_admin = await app_token(settings, acme, "admin")
    body = await gql.data(revoke, {"j": jti}, acme_admin)
    assert body["revokeToken"] == {"revokedJti": jti, "errors": []}
    await assert_refused(gql, victim, "revoked")


async def test_an_app_token_is_checked_in_one_statement_and_only_in_its_brand(
    gql: GraphQL, settings: Settings
) -> None:
    acme = await make_brand("acme")
    rival = await brands.create_app(await make_brand("rival"), "POS", ["admin"])
    token = await app_token(settings, acme, "customers:read")
    context = Context(request=None, settings=settings, request_id="t")
    with count_statements() as statements:
        await authenticate(context, token)
    assert context.brand is not None and context.brand.slug == "acme"
    assert context.brand.timezone == acme.timezone and context.auth_error is None
    assert len(statements) == 1, statements
    # a token naming one brand and another brand's app is refused, though validly signed
    crossed = mint(settings, rival.app.id, "acme", "admin")
    await assert_refused(gql, crossed, "revoked")


def test_a_token_verified_once_is_refused_when_it_expires_later(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = issue_token(settings, "app", 1, "acme", frozenset(), 60).token
    assert verify_token(settings, token).subject_id == 1  # verified and remembered

    later = datetime.now(UTC) + timedelta(seconds=60 + settings.jwt_leeway_seconds + 1)

    class Later(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Later:
            return cls.fromtimestamp(later.timestamp(), tz)

    monkeypatch.setattr("auth.tokens.datetime", Later)
    with pytest.raises(InvalidToken, match="expired"):
        verify_token(settings, token)


def test_a_token_verified_under_an_old_secret_is_refused_after_rotation(
    settings: Settings,
) -> None:
    token = issue_token(settings, "app", 1, "acme", frozenset(), 60).token
    assert verify_token(settings, token).subject_id == 1
    rotated = dataclasses.replace(settings, jwt_secret="another-secret-" + "x" * 32)
    with pytest.raises(InvalidToken, match="Signature verification failed"):
        verify_token(rotated, token)
    other_audience = dataclasses.replace(settings, jwt_audience="someone-else")
    with pytest.raises(InvalidToken, match="Audience doesn't match"):
        verify_token(other_audience, token)
