"""A customer's data as one JSON document, format `crm.customer-data-export` version 1
(docs/privacy.md): written section by section (each domain's, services/privacy/registry.py),
each section page by page, so a long history is never whole in memory.

    {"format": "crm.customer-data-export", "version": 1, "exportedAt": "...",
     "brand": {"slug": "...", "name": "..."}, "customerId": 42,
     "sections": {"profile": {...}, "purchases": [...], ...}}
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import orjson

from models import Brand, Customer
from services.common.errors import DomainError, ErrorCode
from services.privacy import registry

FORMAT = "crm.customer-data-export"
VERSION = 1


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def dumps(value: Any) -> bytes:
    return orjson.dumps(value, default=_default)


async def require_customer(brand_id: int, customer_id: int) -> Customer:
    """The customer to export, erased ones included (their export shows what was kept)."""
    found = await Customer.get_or_none(brand_id=brand_id, id=customer_id)
    if found is None:
        raise DomainError.single("customerId", ErrorCode.NOT_FOUND, "customer not found")
    return found


def sections() -> list[registry.Section]:
    registry.load_domains()
    return list(registry.SECTIONS.values())


def header(brand: Brand, customer_id: int) -> bytes:
    head = dumps(
        {
            "format": FORMAT,
            "version": VERSION,
            "exportedAt": datetime.now(UTC).isoformat(),
            "brand": {"slug": brand.slug, "name": brand.name},
            "customerId": customer_id,
        }
    )
    return head[:-1] + b',"sections":{'


FOOTER = b"}}"


async def section_bytes(
    section: registry.Section, brand_id: int, customer_id: int, first: bool
) -> AsyncIterator[bytes]:
    """`"name": value` (after a comma unless first), in pieces."""
    yield (b"" if first else b",") + dumps(section.name) + b":"
    if section.single:
        rows: list[dict[str, Any]] = []
        async for page in section.rows(brand_id, customer_id):
            rows += page
        yield dumps(rows[0] if rows else None)
        return
    yield b"["
    started = False
    async for page in section.rows(brand_id, customer_id):
        for row in page:
            yield (b"," if started else b"") + dumps(row)
            started = True
    yield b"]"


async def document(brand: Brand, customer_id: int) -> dict[str, Any]:
    """The whole document in memory (tests, small exports); the job writes it to a file."""
    await require_customer(brand.id, customer_id)
    parts = [header(brand, customer_id)]
    for index, found in enumerate(sections()):
        parts += [piece async for piece in section_bytes(found, brand.id, customer_id, index == 0)]
    parts.append(FOOTER)
    result: dict[str, Any] = orjson.loads(b"".join(parts))
    return result
