"""Export jobs: a brand's customers, purchases, ledger or coupons written to a CSV or NDJSON file
in pages of PAGE rows (keyset by id), the file's size and the last id checkpointed after each
page, so a restarted export cuts the file back and continues where it was.

Personal data (phone, email, birthday, address, PII attributes) is written only when the job
was started by a principal with `pii:read` (`pii` parameter); otherwise masked as the API masks
it. Such a file is downloadable only by principals with `pii:read` (resolvers/imports).
"""

from __future__ import annotations

import base64
from collections import defaultdict
from datetime import datetime
from typing import Any

import orjson
from tortoise.models import Model
from tortoise.transactions import in_transaction

from events.outbox import emit
from models import Customer, CustomerExternalId, CustomerTag, PointsTransaction, Purchase
from models.jobs import Job
from models.loyalty import PurchaseItem
from models.offers import Coupon
from services.attributes import values as attribute_values
from services.common import audit
from services.common.actor import Actor
from services.common.errors import ErrorCode, ErrorCollector
from services.customers.normalize import mask_email, mask_phone, mask_text
from services.imports import formats
from services.imports.formats import Appender
from services.jobs import jobs, registry
from services.jobs.context import JobContext
from services.segments import segments

JOB_KIND = "export"
CUSTOMERS, PURCHASES, LEDGER, COUPONS = "CUSTOMERS", "PURCHASES", "LEDGER", "COUPONS"
KINDS = (CUSTOMERS, PURCHASES, LEDGER, COUPONS)
PAGE = 1000
MODELS: dict[str, type[Model]] = {
    CUSTOMERS: Customer,
    PURCHASES: Purchase,
    LEDGER: PointsTransaction,
    COUPONS: Coupon,
}
TIME_COLUMN = {
    CUSTOMERS: "created_at",
    PURCHASES: "occurred_at",
    LEDGER: "created_at",
    COUPONS: "issued_at",
}
COLUMNS = {
    CUSTOMERS: [
        "id", "name", "phone", "email", "gender", "birthday", "city", "region", "address",
        "acquisitionChannel", "marketingConsent", "tags", "externalIds", "createdAt",
    ],
    PURCHASES: [
        "id", "customerId", "externalId", "amount", "refundedAmount", "pointsEarned", "storeId",
        "channel", "occurredAt", "items",
    ],
    LEDGER: [
        "id", "customerId", "kind", "amount", "balanceAfter", "reason", "source", "expiresAt",
        "createdAt",
    ],
    COUPONS: [
        "id", "code", "offerId", "customerId", "status", "issuedAt", "expiresAt", "redeemedAt",
        "discount",
    ],
}  # fmt: skip
TYPE_NAMES = {CUSTOMERS: "Customer", PURCHASES: "Purchase", LEDGER: "PointsTransaction"}
TYPE_NAMES[COUPONS] = "Coupon"


def gid(type_name: str, pk: int | None) -> str | None:
    """The API's global id (base64 "Type:pk"), so exported rows match what queries return."""
    return None if pk is None else base64.b64encode(f"{type_name}:{pk}".encode()).decode()


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


async def start_export(
    actor: Actor,
    kind: str,
    file_format: str,
    *,
    pii: bool,
    since: datetime | None = None,
    until: datetime | None = None,
    segment_id: int | None = None,
) -> Job:
    errors = ErrorCollector()
    if kind not in KINDS:
        errors.add("kind", ErrorCode.INVALID, f"kind must be one of {', '.join(KINDS)}")
    if file_format not in formats.FORMATS:
        errors.add("format", ErrorCode.INVALID, "format must be CSV or NDJSON")
    if since is not None and until is not None and since >= until:
        errors.add("filter.from", ErrorCode.INVALID, "from must be before to")
    errors.raise_if_any()
    if segment_id is not None:
        await segments.get_segment(actor.brand_id, segment_id, "filter.segmentId")
    keys = sorted(await attribute_values.definitions(actor.brand_id)) if kind == CUSTOMERS else []
    parameters: dict[str, Any] = {
        "kind": kind,
        "format": file_format,
        "pii": pii,
        "from": _iso(since),
        "to": _iso(until),
        "attributes": keys,
        "segment": segment_id,
    }
    async with in_transaction():
        job = await jobs.create_job(actor, JOB_KIND, parameters)
        await audit.record(actor, "startExport", "ExportJob", job.id, parameters)
    return job


class ExportRun:
    def __init__(self, ctx: JobContext) -> None:
        self.ctx = ctx
        params = ctx.parameters
        self.kind: str = params["kind"]
        self.format: str = params["format"]
        self.pii = bool(params.get("pii"))
        self.keys: list[str] = list(params.get("attributes") or [])
        self.since = datetime.fromisoformat(params["from"]) if params.get("from") else None
        self.until = datetime.fromisoformat(params["to"]) if params.get("to") else None
        self.segment: int | None = params.get("segment")
        self.customers: list[int] | None = None  # the segment's, evaluated when the run starts
        self.name = f"export{formats.SUFFIX[self.format]}"

    def header(self) -> list[str]:
        return COLUMNS[self.kind] + [f"attributes.{k}" for k in self.keys]

    async def page(self, after: int) -> list[Any]:
        model = MODELS[self.kind]
        query = model.filter(brand_id=self.ctx.job.brand_id, id__gt=after)
        column = TIME_COLUMN[self.kind]
        if self.since is not None:
            query = query.filter(**{f"{column}__gte": self.since})
        if self.until is not None:
            query = query.filter(**{f"{column}__lt": self.until})
        if self.customers is not None:
            key = "id__in" if self.kind == CUSTOMERS else "customer_id__in"
            query = query.filter(**{key: self.customers})
        return list(await query.order_by("id").limit(PAGE))

    async def run(self) -> dict[str, Any]:
        if self.segment is not None:
            brand_id = self.ctx.job.brand_id
            rule = await segments.segment_rule(brand_id, self.segment)
            self.customers = await segments.customer_ids(brand_id, rule)
        saved = self.ctx.checkpoint
        last, count = int(saved.get("lastId", 0)), int(saved.get("rows", 0))
        out = Appender(self.ctx.path(self.name), int(saved.get("bytes", 0)))
        try:
            if out.size == 0 and self.format == formats.CSV:
                out.write(formats.csv_line(self.header()))
            while True:
                await self.ctx.check_cancelled()
                found = await self.page(last)
                if not found:
                    break
                for record in await self.records(found):
                    out.write(self.encode(record))
                last, count = found[-1].id, count + len(found)
                checkpoint = {"lastId": last, "rows": count, "bytes": out.flush()}
                await self.ctx.save(checkpoint=checkpoint, processed=count, succeeded=count)
            out.flush()
        finally:
            out.close()
        await self.ctx.set_files(output=self.name)
        return {"rows": count}

    def encode(self, record: dict[str, Any]) -> bytes:
        if self.format == formats.NDJSON:
            return formats.ndjson_line(record)
        flat = dict(record)
        attributes = flat.pop("attributes", {}) or {}
        cells = []
        for column in self.header():
            if column.startswith("attributes."):
                cells.append(attributes.get(column.removeprefix("attributes.")))
                continue
            value = flat.get(column)
            if isinstance(value, list | dict):
                value = orjson.dumps(value).decode()
            cells.append(value)
        return formats.csv_line(cells)

    async def records(self, found: list[Any]) -> list[dict[str, Any]]:
        if self.kind == CUSTOMERS:
            return await self.customer_records(found)
        if self.kind == PURCHASES:
            return await purchase_records(found)
        if self.kind == LEDGER:
            return [ledger_record(t) for t in found]
        return [coupon_record(c) for c in found]

    async def customer_records(self, found: list[Customer]) -> list[dict[str, Any]]:
        ids = [c.id for c in found]
        brand_id = self.ctx.job.brand_id
        tags: dict[int, list[str]] = defaultdict(list)
        for cid, tag in (
            await CustomerTag.filter(customer_id__in=ids)
            .order_by("tag")
            .values_list("customer_id", "tag")
        ):
            tags[int(cid)].append(str(tag))  # type: ignore[call-overload]
        external: dict[int, list[dict[str, str]]] = defaultdict(list)
        for row in await CustomerExternalId.filter(customer_id__in=ids).order_by("system"):
            external[row.customer_id].append({"system": row.system, "externalId": row.external_id})
        attributes = await attribute_values.values_for(brand_id, ids)
        out = []
        for c in found:
            values = {
                a.key: attribute_values.plain(v) if self.pii or not a.is_pii else None
                for a, v in attributes.get(c.id, [])
            }
            out.append(
                {
                    "id": gid("Customer", c.id),
                    "name": c.name,
                    "phone": self._masked(c.phone, mask_phone),
                    "email": self._masked(c.email, mask_email),
                    "gender": c.gender,
                    "birthday": c.birthday.isoformat() if c.birthday and self.pii else None,
                    "city": c.city,
                    "region": c.region,
                    "address": self._masked(c.address, mask_text),
                    "acquisitionChannel": c.acquisition_channel,
                    "marketingConsent": c.marketing_consent,
                    "tags": tags.get(c.id, []),
                    "externalIds": external.get(c.id, []),
                    "createdAt": _iso(c.created_at),
                    "attributes": values,
                }
            )
        return out

    def _masked(self, value: str | None, mask: Any) -> str | None:
        return value if value is None or self.pii else mask(value)


async def purchase_records(found: list[Purchase]) -> list[dict[str, Any]]:
    items: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for i in await PurchaseItem.filter(purchase_id__in=[p.id for p in found]).order_by("id"):
        items[i.purchase_id].append(
            {
                "sku": i.sku,
                "name": i.name,
                "category": i.category,
                "quantity": i.quantity,
                "unitPrice": str(i.unit_price),
            }
        )
    return [
        {
            "id": gid("Purchase", p.id),
            "customerId": gid("Customer", p.customer_id),
            "externalId": p.external_id,
            "amount": str(p.amount),
            "refundedAmount": str(p.refunded_amount),
            "pointsEarned": p.points_earned,
            "storeId": gid("Store", p.store_id),
            "channel": p.channel,
            "occurredAt": _iso(p.occurred_at),
            "items": items.get(p.id, []),
        }
        for p in found
    ]


def ledger_record(t: PointsTransaction) -> dict[str, Any]:
    return {
        "id": gid("PointsTransaction", t.id),
        "customerId": gid("Customer", t.customer_id),
        "kind": t.kind,
        "amount": t.amount,
        "balanceAfter": t.balance_after,
        "reason": t.reason,
        "source": t.source,
        "expiresAt": _iso(t.expires_at),
        "createdAt": _iso(t.created_at),
    }


def coupon_record(c: Coupon) -> dict[str, Any]:
    return {
        "id": gid("Coupon", c.id),
        "code": c.code,
        "offerId": gid("Offer", c.offer_id),
        "customerId": gid("Customer", c.customer_id),
        "status": c.status,
        "issuedAt": _iso(c.issued_at),
        "expiresAt": _iso(c.expires_at),
        "redeemedAt": _iso(c.redeemed_at),
        "discount": str(c.discount) if c.discount is not None else None,
    }


async def run_export(ctx: JobContext) -> dict[str, Any]:
    return await ExportRun(ctx).run()


async def export_finished(ctx: JobContext, job: Job) -> None:
    rows = int((job.result or {}).get("rows", job.processed))
    payload = {
        "kind": job.parameters.get("kind"),
        "state": job.state,
        "rowsRead": rows,
        "rowsWritten": rows,
        "rowsFailed": 0,
    }
    await emit(ctx.actor, "export.completed", subject=("ExportJob", job.id), payload=payload)


registry.register(JOB_KIND, run_export, on_finished=export_finished)
