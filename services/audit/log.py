"""Reading the audit log: who did what, when, from which app or user and request; one brand.

Rows are written by `services.common.audit.record` inside every mutation's transaction. They
name the changed fields, never personal values: `safe_details` drops any key that could hold
one, for rows written before that rule and for whatever a later writer forgets.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from models import AuditEntry
from services.common.pagination import Page, PageRequest, PaginationError, paginate

CSV_MAX_ROWS = 10_000
CSV_COLUMNS = (
    "occurred_at",
    "actor",
    "operation",
    "target_type",
    "target_id",
    "request_id",
    "changed_fields",
)
# Keys of `details` that may carry personal data (values, free text): never shown.
PERSONAL_KEYS = frozenset(
    {
        "name",
        "source_name",
        "phone",
        "email",
        "address",
        "birthday",
        "body",
        "text",
        "comment",
        "description",
        "reason",
        "dropped_external_ids",
        "external_id",
        "externalId",
    }
)
CHANGED_KEYS = ("fields", "changed")
MAX_FILTER_TEXT = 128


class BadAuditFilter(ValueError):
    pass


@dataclass(frozen=True)
class AuditFilter:
    actor: str | None = None  # "app:3", "user:7", "customer:9", "system:cli"
    target_type: str | None = None
    target_id: str | None = None
    operation: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def check(self) -> None:
        for name, value in (
            ("actor", self.actor),
            ("targetId", self.target_id),
            ("operation", self.operation),
        ):
            if value is not None and not 0 < len(value) <= MAX_FILTER_TEXT:
                raise BadAuditFilter(f"{name} must be 1 to {MAX_FILTER_TEXT} characters")
        if self.actor is not None and ":" not in self.actor:
            raise BadAuditFilter("actor looks like 'app:3', 'user:7' or 'customer:9'")
        if self.since and self.until and self.since >= self.until:
            raise BadAuditFilter("`from` must be before `to`")


def _query(brand_id: int, spec: AuditFilter) -> Any:
    spec.check()
    query = AuditEntry.filter(brand_id=brand_id)
    if spec.actor is not None:
        kind, _, subject = spec.actor.partition(":")
        query = query.filter(principal_kind=kind, principal_id=subject)
    if spec.target_id is not None:
        query = query.filter(target_id=spec.target_id)
        if spec.target_type is not None:
            query = query.filter(target_type=spec.target_type)
    if spec.operation is not None:
        query = query.filter(operation=spec.operation)
    if spec.since is not None:
        query = query.filter(created_at__gte=spec.since)
    if spec.until is not None:
        query = query.filter(created_at__lt=spec.until)
    return query


async def entries(brand_id: int, spec: AuditFilter, page: PageRequest) -> Page[AuditEntry]:
    """Newest first, keyset-paginated on (created_at, id)."""
    if page.last is not None or page.before is not None:
        raise PaginationError("the audit log pages forward only (first/after)")
    return await paginate(_query(brand_id, spec), "created_at", True, page, is_datetime=True)


def changed_fields(entry: AuditEntry) -> list[str]:
    details = entry.details or {}
    for key in CHANGED_KEYS:
        value = details.get(key)
        if isinstance(value, list):
            return [str(v) for v in value]
    return []


def safe_details(entry: AuditEntry) -> dict[str, Any]:
    return {k: v for k, v in (entry.details or {}).items() if k not in PERSONAL_KEYS}


@dataclass(frozen=True)
class CsvExport:
    text: str
    rows: int
    truncated: bool


async def export_csv(brand_id: int, spec: AuditFilter, max_rows: int = CSV_MAX_ROWS) -> CsvExport:
    """The filtered log as CSV, newest first, at most `max_rows` rows (one statement)."""
    if not 1 <= max_rows <= CSV_MAX_ROWS:
        raise BadAuditFilter(f"maxRows must be 1 to {CSV_MAX_ROWS}")
    found = await _query(brand_id, spec).order_by("-created_at", "-id").limit(max_rows + 1)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for entry in found[:max_rows]:
        writer.writerow(
            map(
                _cell,
                [
                    entry.created_at.isoformat(),
                    f"{entry.principal_kind}:{entry.principal_id}",
                    entry.operation,
                    entry.target_type,
                    entry.target_id or "",
                    entry.request_id,
                    " ".join(changed_fields(entry)),
                ],
            )
        )
    return CsvExport(out.getvalue(), min(len(found), max_rows), len(found) > max_rows)


def _cell(value: str) -> str:
    """A spreadsheet must not read a cell as a formula (a caller chooses its request id)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
