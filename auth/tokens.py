"""Issuing and verifying JWTs: HS256 by default, RS256/ES256 with key ids for rotation."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from auth.principal import Principal
from config import Settings

SUBJECT_KINDS = ("app", "user", "customer")


class InvalidToken(Exception):
    pass


@dataclass(frozen=True)
class IssuedToken:
    token: str
    jti: str
    expires_at: datetime
    scopes: frozenset[str]

    @property
    def expires_in(self) -> int:
        return max(int((self.expires_at - datetime.now(UTC)).total_seconds()), 0)


def issue_token(
    settings: Settings,
    kind: str,
    subject_id: int,
    brand_slug: str,
    scopes: frozenset[str],
    ttl_seconds: int,
    generation: int = 0,
) -> IssuedToken:
    now = datetime.now(UTC).replace(microsecond=0)
    expires_at = now + timedelta(seconds=ttl_seconds)
    jti = uuid.uuid4().hex
    claims = {
        "sub": f"{kind}:{subject_id}",
        "brand": brand_slug,
        "scope": " ".join(sorted(scopes)),
        "iat": now,
        "exp": expires_at,
        "jti": jti,
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
    }
    if generation:
        claims["gen"] = generation
    headers: dict[str, Any] = {}
    if settings.jwt_algorithm == "HS256":
        key = settings.jwt_secret
    else:
        if not settings.jwt_private_key:
            raise RuntimeError("CRM_JWT_PRIVATE_KEY_FILE is required for " + settings.jwt_algorithm)
        key = settings.jwt_private_key
        if settings.jwt_key_id:
            headers["kid"] = settings.jwt_key_id
    token = jwt.encode(claims, key, algorithm=settings.jwt_algorithm, headers=headers or None)
    return IssuedToken(token=token, jti=jti, expires_at=expires_at, scopes=scopes)


def _verification_key(settings: Settings, token: str) -> str:
    if settings.jwt_algorithm == "HS256":
        return settings.jwt_secret
    try:
        kid = jwt.get_unverified_header(token).get("kid")
    except jwt.PyJWTError as exc:
        raise InvalidToken("malformed token") from exc
    if kid is None or kid not in settings.jwt_public_keys:
        raise InvalidToken("unknown signing key")
    return settings.jwt_public_keys[kid]


VERIFIED_CACHE_SIZE = 10_000
# Verified tokens by (token, key, issuer, audience, algorithm): a signature check costs more
# than the rest of authentication. Only expiry changes with time, so a hit re-checks it; the
# revocation check is a database read on every request and is never cached.
_verified: dict[tuple[str, str, str, str, str], Principal] = {}


def verify_token(settings: Settings, token: str) -> Principal:
    key = _verification_key(settings, token)
    cache_key = (token, key, settings.jwt_issuer, settings.jwt_audience, settings.jwt_algorithm)
    principal = _verified.get(cache_key)
    if principal is None:
        principal = _verify(settings, token, key)
        if len(_verified) >= VERIFIED_CACHE_SIZE:
            _verified.clear()
        _verified[cache_key] = principal
    leeway = timedelta(seconds=settings.jwt_leeway_seconds)
    if principal.expires_at + leeway <= datetime.now(UTC):
        del _verified[cache_key]
        raise InvalidToken("token has expired")
    return principal


def _verify(settings: Settings, token: str, key: str) -> Principal:
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[settings.jwt_algorithm],  # pinned: `none` and others are refused
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            leeway=settings.jwt_leeway_seconds,
            options={"require": ["exp", "iat", "sub", "jti", "iss", "aud"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise InvalidToken("token has expired") from exc
    except jwt.PyJWTError as exc:
        raise InvalidToken(f"invalid token: {exc}") from exc
    kind, _, raw_id = str(claims["sub"]).partition(":")
    if kind not in SUBJECT_KINDS or not raw_id.isdigit() or not claims.get("brand"):
        raise InvalidToken("invalid token subject")
    generation = claims.get("gen", 0)
    if type(generation) is not int or generation < 0:
        raise InvalidToken("invalid token generation")
    return Principal(
        kind=kind,
        subject_id=int(raw_id),
        brand_slug=str(claims["brand"]),
        scopes=frozenset(str(claims.get("scope", "")).split()),
        jti=str(claims["jti"]),
        expires_at=datetime.fromtimestamp(int(claims["exp"]), UTC),
        generation=generation,
    )
