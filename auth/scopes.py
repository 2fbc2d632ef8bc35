"""The scope vocabulary. `X:write` implies `X:read`; `admin` implies every scope."""

from __future__ import annotations

from enum import StrEnum

RESOURCES = (
    "customers",
    "memberships",
    "points",
    "offers",
    "tickets",
    "surveys",
    "analytics",
    "events",
    "stores",
    "appointments",
)


class Scope(StrEnum):
    CUSTOMERS_READ = "customers:read"
    CUSTOMERS_WRITE = "customers:write"
    MEMBERSHIPS_READ = "memberships:read"
    MEMBERSHIPS_WRITE = "memberships:write"
    POINTS_READ = "points:read"
    POINTS_WRITE = "points:write"
    OFFERS_READ = "offers:read"
    OFFERS_WRITE = "offers:write"
    TICKETS_READ = "tickets:read"
    TICKETS_WRITE = "tickets:write"
    SURVEYS_READ = "surveys:read"
    SURVEYS_WRITE = "surveys:write"
    ANALYTICS_READ = "analytics:read"
    ANALYTICS_WRITE = "analytics:write"
    EVENTS_READ = "events:read"
    EVENTS_WRITE = "events:write"
    STORES_READ = "stores:read"
    STORES_WRITE = "stores:write"
    APPOINTMENTS_READ = "appointments:read"
    APPOINTMENTS_WRITE = "appointments:write"
    PII_READ = "pii:read"
    PRIVACY_MANAGE = "privacy:manage"  # export a customer's data (docs/privacy.md)
    AUDIT_READ = "audit:read"  # read and export the audit log
    ADMIN = "admin"


ALL_SCOPES = frozenset(s.value for s in Scope)


class UnknownScope(ValueError):
    pass


def parse_scopes(raw: str) -> frozenset[str]:
    """Split a space-separated scope string, refusing names outside the vocabulary."""
    scopes = frozenset(raw.split())
    unknown = scopes - ALL_SCOPES
    if unknown:
        raise UnknownScope(f"unknown scopes: {' '.join(sorted(unknown))}")
    return scopes


def expand(scopes: frozenset[str]) -> frozenset[str]:
    """The scopes a set of granted scopes actually confers."""
    if Scope.ADMIN.value in scopes:
        return ALL_SCOPES
    implied = {s.replace(":write", ":read") for s in scopes if s.endswith(":write")}
    return frozenset(scopes | implied)


def narrow(granted: frozenset[str], requested: frozenset[str]) -> frozenset[str]:
    """Scopes to put in a token when a client asks for `requested`: never more than granted."""
    conferred = expand(granted)
    if not requested <= conferred:
        raise UnknownScope(f"not granted: {' '.join(sorted(requested - conferred))}")
    return requested


_ALL_WRITE = frozenset(f"{r}:write" for r in RESOURCES)
ROLE_SCOPES: dict[str, frozenset[str]] = {
    "OWNER": frozenset({Scope.ADMIN.value}),
    "MANAGER": _ALL_WRITE | {Scope.PII_READ.value, Scope.AUDIT_READ.value},
    "AGENT": frozenset(
        {
            "customers:write",
            "tickets:write",
            "surveys:read",
            "points:read",
            "memberships:read",
            "offers:read",
            "events:read",
            "pii:read",
            "stores:read",
            "appointments:read",
        }
    ),
    "CLERK": frozenset(
        {
            "stores:read",
            "appointments:write",
            "customers:write",
            "points:write",
            "memberships:write",
            "offers:write",
            "tickets:write",
            "pii:read",
        }
    ),
    "MARKETER": frozenset(
        {
            "stores:read",
            "customers:read",
            "offers:write",
            "surveys:write",
            "analytics:read",
            "memberships:read",
            "points:read",
            "events:read",
        }
    ),
    "ANALYST": frozenset(
        {
            "stores:read",
            "appointments:read",
            "customers:read",
            "analytics:read",
            "memberships:read",
            "points:read",
            "offers:read",
            "tickets:read",
            "surveys:read",
            "events:read",
        }
    ),
}
