"""What each domain contributes to a customer's data export and to their erasure.

Every domain that holds data about a customer has a `services/<domain>/privacy.py` that, when
imported, registers its export sections (`section`) and its erasure hook (`erasure_hook`), and
is listed in DOMAIN_MODULES, which export and erasure load first. A domain added later
(tracked events, appointments, referrals, custom attributes) adds its module there: the export
gains its sections (the format's version says which exist, docs/privacy.md), the erasure its
hook. Sections come out in the order of DOMAIN_MODULES, then of registration.
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from models import Customer
from services.common.actor import Actor

DOMAIN_MODULES: list[str] = [
    "services.customers.privacy",
    "services.privacy.consents_privacy",
    "services.loyalty.privacy",
    "services.offers.privacy",
    "services.campaigns.privacy",
    "services.tickets.privacy",
    "services.surveys.privacy",
    "services.attributes.privacy",
    "services.appointments.privacy",
    "services.referrals.privacy",
    "services.tracking.privacy",
    "services.audit.privacy",
]

Rows = Callable[[int, int], AsyncIterator[list[dict[str, Any]]]]  # brand id, customer id
Eraser = Callable[[Actor, Customer], Awaitable[None]]


@dataclass(frozen=True)
class Section:
    name: str
    rows: Rows  # pages of JSON-ready dicts, oldest first
    single: bool = False  # one object (or null), not a list
    description: str = ""


SECTIONS: dict[str, Section] = {}
ERASERS: dict[str, Eraser] = {}


def section(name: str, single: bool = False, description: str = "") -> Callable[[Rows], Rows]:
    """Register an export section (idempotent: re-importing replaces it)."""

    def register(rows: Rows) -> Rows:
        SECTIONS[name] = Section(name, rows, single, description)
        return rows

    return register


def erasure_hook(name: str) -> Callable[[Eraser], Eraser]:
    """Register a domain's erasure: it runs inside the erasure's transaction, the customer
    locked, and anonymises or deletes the domain's personal data (keeping accounting rows)."""

    def register(hook: Eraser) -> Eraser:
        ERASERS[name] = hook
        return hook

    return register


def load_domains() -> None:
    for module in DOMAIN_MODULES:
        importlib.import_module(module)


async def one(row: dict[str, Any] | None) -> AsyncIterator[list[dict[str, Any]]]:
    """The pages of a single-object section."""
    yield [row] if row is not None else []


PAGE = 500


async def paged(
    query: Any, convert: Callable[[list[Any]], Awaitable[list[dict[str, Any]]]], size: int = PAGE
) -> AsyncIterator[list[dict[str, Any]]]:
    """A query's rows by ascending id, `size` at a time, each page converted (in one go, so a
    page's children load with one statement)."""
    last = 0
    while True:
        rows = await query.filter(id__gt=last).order_by("id").limit(size)
        if not rows:
            return
        yield await convert(rows)
        last = rows[-1].id
        if len(rows) < size:
            return


def iso(value: Any) -> str | None:
    return None if value is None else value.isoformat()
