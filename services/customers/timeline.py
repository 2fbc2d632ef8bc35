"""A customer's timeline: what happened to them, newest first, each with a readable summary.

Sources, each read for a whole page of customers with one statement (the newest `limit` rows
per customer, a window function): notes, the audit rows about the customer (profile changes,
purchases, refunds, points, consent), tickets opened and resolved, survey answers, coupons
issued and redeemed, and tier changes. Summaries name what changed, never personal values
beyond what the customer's own notes and tickets say.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from models import AuditEntry
from services.common import sql

MAX_LIMIT = 100
SUMMARY_LENGTH = 200


@dataclass(frozen=True)
class TimelineEntry:
    kind: str
    occurred_at: datetime
    actor: str
    summary: str


Entries = dict[int, list[TimelineEntry]]


def _when(value: Any) -> datetime:
    """A time as the driver gives it (SQLite: text), aware and in UTC."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _short(text: str | None) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= SUMMARY_LENGTH else text[: SUMMARY_LENGTH - 1] + "…"


def _ids(customer_ids: Sequence[int]) -> str:
    return ", ".join(str(int(i)) for i in customer_ids) or "NULL"


async def _newest(
    cid: str, select: str, source: str, order: str, brand_id: int, ids: Sequence[int], limit: int
) -> list[dict[str, Any]]:
    """`select` (and the customer id `cid` as `cid`) of the newest `limit` rows of `source` per
    customer; `source`'s first table is aliased `x` and has the brand. Every value spliced in
    is an int or text written here."""
    query = (
        f"SELECT * FROM (SELECT {cid} AS cid, {select}, ROW_NUMBER() OVER (PARTITION BY {cid}"
        f" ORDER BY {order} DESC, x.id DESC) AS rn FROM {source} WHERE x.brand_id = ?"
        f" AND {cid} IN ({_ids(ids)})) ranked WHERE rn <= {int(limit)}"
    )
    return await sql.fetch(query, [brand_id])


async def _tickets(brand_id: int, ids: Sequence[int], limit: int) -> Entries:
    rows = await _newest(
        "x.customer_id",
        "x.id, x.subject, x.severity, x.category, x.opened_by, x.created_at, x.resolved_at,"
        " x.resolution, x.root_cause",
        "tickets x",
        "x.created_at",
        brand_id,
        ids,
        limit,
    )
    found: Entries = defaultdict(list)
    for r in rows:
        label = f"Ticket #{r['id']}"
        found[r["cid"]].append(
            TimelineEntry(
                "TICKET_OPENED",
                _when(r["created_at"]),
                r["opened_by"],
                _short(f"{label} opened ({r['severity']}, {r['category']}): {r['subject']}"),
            )
        )
        if r["resolved_at"] is not None:
            cause = f" (root cause: {r['root_cause']})" if r["root_cause"] else ""
            summary = f"{label} resolved: {r['resolution'] or ''}{cause}"
            found[r["cid"]].append(
                TimelineEntry("TICKET_RESOLVED", _when(r["resolved_at"]), "", _short(summary))
            )
    return found


async def _answers(brand_id: int, ids: Sequence[int], limit: int) -> Entries:
    rows = await _newest(
        "x.customer_id",
        "x.submitted_at, x.nps_score, s.name, s.kind",
        "survey_responses x JOIN surveys s ON s.id = x.survey_id",
        "x.submitted_at",
        brand_id,
        ids,
        limit,
    )
    found: Entries = defaultdict(list)
    for r in rows:
        score = f" (NPS {r['nps_score']})" if r["nps_score"] is not None else ""
        summary = _short(f"Answered the {r['kind']} survey '{r['name']}'{score}")
        who = f"customer:{r['cid']}"
        found[r["cid"]].append(
            TimelineEntry("SURVEY_ANSWERED", _when(r["submitted_at"]), who, summary)
        )
    return found


async def _coupons(brand_id: int, ids: Sequence[int], limit: int) -> Entries:
    rows = await _newest(
        "x.customer_id",
        "x.source, x.issued_at, x.redeemed_at, x.purchase_id, x.discount, o.title",
        "coupons x JOIN offers o ON o.id = x.offer_id",
        "COALESCE(x.redeemed_at, x.issued_at)",
        brand_id,
        ids,
        limit,
    )
    found: Entries = defaultdict(list)
    for r in rows:
        how = "claimed" if r["source"] == "CLAIM" else "issued"
        title = f"Coupon '{r['title']}'"
        found[r["cid"]].append(
            TimelineEntry("COUPON_ISSUED", _when(r["issued_at"]), "", _short(f"{title} {how}"))
        )
        if r["redeemed_at"] is not None:
            summary = f"{title} redeemed on purchase #{r['purchase_id']}"
            if r["discount"] is not None:
                summary += f" ({r['discount']} off)"
            found[r["cid"]].append(
                TimelineEntry("COUPON_REDEEMED", _when(r["redeemed_at"]), "", _short(summary))
            )
    return found


async def _tier_changes(brand_id: int, ids: Sequence[int], limit: int) -> Entries:
    rows = await _newest(
        "m.customer_id",
        "x.from_tier, x.to_tier, x.reason, x.created_at",
        "tier_changes x JOIN memberships m ON m.id = x.membership_id",
        "x.created_at",
        brand_id,
        ids,
        limit,
    )
    found: Entries = defaultdict(list)
    for r in rows:
        moved = f"Tier {r['from_tier'] or 'none'} → {r['to_tier'] or 'none'}"
        summary = _short(f"{moved}: {r['reason']}" if r["reason"] else moved)
        found[r["cid"]].append(TimelineEntry("TIER_CHANGED", _when(r["created_at"]), "", summary))
    return found


Source = Callable[[int, Sequence[int], int], Any]
# Later domains (appointments, referrals, tracked events) add their own source here.
SOURCES: list[Source] = [_tickets, _answers, _coupons, _tier_changes]


async def from_sources(brand_id: int, customer_ids: Sequence[int], limit: int) -> Entries:
    """Every source's newest `limit` entries per customer (one statement per source)."""
    found: Entries = defaultdict(list)
    for source in SOURCES:
        for cid, entries in (await source(brand_id, customer_ids, limit)).items():
            found[int(cid)].extend(entries)
    return found


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def describe(entry: AuditEntry) -> str:
    """A readable summary of an audit row about a customer."""
    d = entry.details or {}
    op = entry.operation
    if op == "createCustomer":
        return "Profile created"
    if op == "updateCustomer":
        changed = d.get("fields", []) + [f"{s} id" for s in d.get("externalIds", [])]
        return "Profile updated: " + (", ".join(changed) or "nothing changed")
    if op == "tagCustomers":
        parts = [f"added {', '.join(d['add'])}" if d.get("add") else ""]
        parts.append(f"removed {', '.join(d['remove'])}" if d.get("remove") else "")
        return "Tags " + "; ".join(p for p in parts if p)
    if op == "mergeCustomers":
        filled = f" (filled in: {', '.join(d['filled'])})" if d.get("filled") else ""
        return f"Customer #{d.get('source', '')} merged into this profile{filled}"
    if op == "recordPurchase":
        return f"Purchase #{d.get('purchase')} of {d.get('amount')}: {d.get('points', 0)} points"
    if op == "refundPurchase":
        summary = f"Refund of {d.get('amount')} on purchase #{d.get('purchase')}"
        summary += f": {_plural(int(d.get('points') or 0), 'point')} taken back"
        if d.get("coupons"):
            summary += f", {_plural(len(d['coupons']), 'coupon')} given back"
        return summary
    if op in ("awardPoints", "redeemPoints", "adjustPoints"):
        amount = int(d.get("amount") or 0)
        return f"Points {op.removesuffix('Points')}ed: {amount:+d}"
    if op == "expirePoints":
        return f"{_plural(int(d.get('points') or 0), 'point')} expired"
    if op == "enrollMember":
        return "Enrolled as a member"
    if op == "setMemberTier":
        return "Tier set by staff"
    if op == "setCustomerConsent":
        changed = ", ".join(d.get("fields", [])) or "no channel"
        return f"Marketing consent changed ({changed}) via {d.get('how', '?')}"
    if op == "issueCustomerToken":
        return "Signed in through the brand's app"
    if op == "deleteCustomer":
        return "Personal data erased"
    return op
