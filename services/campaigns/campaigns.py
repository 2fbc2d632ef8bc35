"""Campaigns: created as a DRAFT, launched once (snapshot, random holdout, coupons).

`createCampaign` only validates and saves the plan, so a marketer can review it;
`launchCampaign` snapshots the segment's members, splits off the holdout and issues every
offer to the treated members, all in one transaction. Launching again changes nothing.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from events.outbox import emit
from models.campaigns import Campaign, CampaignOffer
from models.offers import Offer, OfferIssue
from services.campaigns import merge as campaigns_merge
from services.common import audit, sql
from services.common.actor import Actor
from services.common.errors import DomainError, ErrorCode, ErrorCollector
from services.common.pagination import Page, PageRequest, paginate
from services.loyalty.config import utcnow
from services.offers import issuance as offer_issuance
from services.offers import sql as offer_sql
from services.segments import segments

campaigns_merge.register()
MAX_NAME = 200
MAX_DESCRIPTION = 2000
MAX_OFFERS = 20
MAX_HOLDOUT = Decimal(50)
HOLDOUT_ARM = "HOLDOUT"
TREATED_ARM = "TREATED"
TREATED_SQL = "SELECT customer_id FROM campaign_members WHERE campaign_id = ? AND arm = 'TREATED'"


@dataclass(frozen=True)
class CampaignSpec:
    name: str
    segment_id: int
    offer_ids: list[int]
    starts_at: datetime
    ends_at: datetime
    holdout_percent: Decimal
    description: str = ""


def holdout_size(members: int, percent: Decimal) -> int:
    """The share of the members, rounded half up: exact, not left to chance."""
    return int((members * percent / 100).to_integral_value(rounding=ROUND_HALF_UP))


def split_key(seed: str, customer_id: int) -> bytes:
    return hashlib.sha256(f"{seed}:{customer_id}".encode()).digest()


def choose_holdout(seed: str, customer_ids: list[int], percent: Decimal) -> list[int]:
    """The members with the smallest hash of (seed, id): random, yet the same every time."""
    ranked = sorted(customer_ids, key=lambda cid: split_key(seed, cid))
    return sorted(ranked[: holdout_size(len(customer_ids), percent)])


def _validate(spec: CampaignSpec, now: datetime) -> tuple[str, str]:
    errors = ErrorCollector()
    name = spec.name.strip()
    if not name:
        errors.add("name", ErrorCode.REQUIRED, "name is required")
    elif len(name) > MAX_NAME:
        errors.add("name", ErrorCode.TOO_LONG, f"name is longer than {MAX_NAME}")
    description = spec.description.strip()
    if len(description) > MAX_DESCRIPTION:
        errors.add("description", ErrorCode.TOO_LONG, "description is too long")
    if spec.starts_at.tzinfo is None or spec.ends_at.tzinfo is None:
        errors.add("startsAt", ErrorCode.INVALID, "times need a time zone offset")
    elif spec.starts_at >= spec.ends_at:
        errors.add("endsAt", ErrorCode.INVALID, "the window must end after it starts")
    elif spec.ends_at <= now:
        errors.add("endsAt", ErrorCode.INVALID, "the window has already ended")
    if not (spec.holdout_percent.is_finite() and 0 <= spec.holdout_percent <= MAX_HOLDOUT):
        errors.add("holdoutPercent", ErrorCode.INVALID, f"holdoutPercent must be 0-{MAX_HOLDOUT}")
    elif spec.holdout_percent != spec.holdout_percent.quantize(Decimal("0.01")):
        errors.add("holdoutPercent", ErrorCode.INVALID, "at most two decimal places")
    if not 1 <= len(spec.offer_ids) <= MAX_OFFERS:
        errors.add("offerIds", ErrorCode.INVALID, f"give 1 to {MAX_OFFERS} offers")
    elif len(set(spec.offer_ids)) != len(spec.offer_ids):
        errors.add("offerIds", ErrorCode.INVALID, "an offer is listed twice")
    errors.raise_if_any()
    return name, description


async def _check_references(brand_id: int, spec: CampaignSpec) -> None:
    errors = ErrorCollector()
    try:
        await segments.get_segment(brand_id, spec.segment_id, "segmentId")
    except DomainError as exc:
        errors.errors.extend(exc.errors)
    offers = await Offer.filter(brand_id=brand_id, id__in=spec.offer_ids)
    if len(offers) != len(spec.offer_ids):
        errors.add("offerIds", ErrorCode.NOT_FOUND, "offer not found")
    elif any(o.automatic for o in offers):
        # An automatic offer reaches the holdout too: there would be nothing to compare.
        errors.add("offerIds", ErrorCode.INVALID, "automatic offers cannot be held out")
    errors.raise_if_any()


async def create_campaign(actor: Actor, spec: CampaignSpec) -> Campaign:
    try:
        percent = Decimal(spec.holdout_percent)
    except (InvalidOperation, TypeError) as exc:
        raise DomainError.single("holdoutPercent", ErrorCode.INVALID, "not a number") from exc
    name, description = _validate(spec, utcnow())
    async with in_transaction():
        await _check_references(actor.brand_id, spec)
        if await Campaign.exists(brand_id=actor.brand_id, name=name):
            raise DomainError.single("name", ErrorCode.DUPLICATE, "a campaign has this name")
        try:
            campaign = await Campaign.create(
                brand_id=actor.brand_id,
                name=name,
                description=description,
                segment_id=spec.segment_id,
                starts_at=spec.starts_at,
                ends_at=spec.ends_at,
                holdout_percent=percent,
                seed=secrets.token_hex(16),
                created_by=actor.label,
            )
        except IntegrityError as exc:  # a concurrent create took the name
            raise DomainError.single("name", ErrorCode.DUPLICATE, "name is taken") from exc
        await CampaignOffer.bulk_create(
            [
                CampaignOffer(brand_id=actor.brand_id, campaign_id=campaign.id, offer_id=oid)
                for oid in spec.offer_ids
            ]
        )
        details = {"name": name, "segment": spec.segment_id, "offers": spec.offer_ids}
        await audit.record(actor, "createCampaign", "Campaign", campaign.id, details)
    return campaign


async def get_campaign(brand_id: int, campaign_id: int, field: str = "id") -> Campaign:
    found = await Campaign.get_or_none(brand_id=brand_id, id=campaign_id)
    if found is None:
        raise DomainError.single(field, ErrorCode.NOT_FOUND, "campaign not found")
    return found


async def _snapshot(campaign: Campaign) -> tuple[int, int]:
    """Copy the segment's members in one statement, then mark the holdout; (members, holdout)."""
    if campaign.segment_id is None:
        raise DomainError.single("segmentId", ErrorCode.NOT_FOUND, "the segment was deleted")
    rule = await segments.segment_rule(campaign.brand_id, campaign.segment_id)
    members, params = await segments.member_query(campaign.brand_id, rule)
    await sql.execute(
        "INSERT INTO campaign_members (brand_id, campaign_id, customer_id, arm)"
        f" SELECT ?, ?, s.customer_id, 'TREATED' FROM ({members}) s",
        [campaign.brand_id, campaign.id, *params],
    )
    rows = await sql.fetch(
        "SELECT customer_id FROM campaign_members WHERE campaign_id = ?", [campaign.id]
    )
    holdout = choose_holdout(
        campaign.seed, [int(r["customer_id"]) for r in rows], campaign.holdout_percent
    )
    if holdout:
        ids, id_params = offer_sql.id_list(holdout)
        await sql.execute(
            "UPDATE campaign_members SET arm = 'HOLDOUT'"
            f" WHERE campaign_id = ? AND customer_id IN ({ids})",
            [campaign.id, *id_params],
        )
    return len(rows), len(holdout)


def issue_key(campaign: Campaign, offer_id: int) -> str:
    return f"campaign:{campaign.id}:offer:{offer_id}"


async def _issue(actor: Actor, campaign: Campaign) -> int:
    """Each offer once to the treated arm, through the offers' idempotent bulk issuance."""
    total = 0
    for link in await CampaignOffer.filter(campaign_id=campaign.id).order_by("id"):
        key = issue_key(campaign, link.offer_id)
        link.issued = await offer_issuance.issue(
            actor, link.offer_id, member_sql=(TREATED_SQL, [campaign.id]), idempotency_key=key
        )
        record = await OfferIssue.get(brand_id=actor.brand_id, idempotency_key=key)
        link.issue_id = record.id
        await link.save(update_fields=["issued", "issue_id"])
        total += link.issued
    return total


async def launch_campaign(actor: Actor, campaign_id: int) -> Campaign:
    async with in_transaction():
        found = await get_campaign(actor.brand_id, campaign_id, "campaignId")
        campaign = await Campaign.select_for_update().get(id=found.id)
        if campaign.status != "DRAFT":
            return campaign  # a retry or a double click: the launch happened once
        now = utcnow()
        if campaign.ends_at <= now:
            raise DomainError.single(
                "campaignId", ErrorCode.CAMPAIGN_ENDED, "the campaign's window has ended"
            )
        targeted, holdout = await _snapshot(campaign)
        issued = await _issue(actor, campaign)
        campaign.status = "LAUNCHED"
        campaign.launched_at = now
        await campaign.save(update_fields=["status", "launched_at", "updated_at"])
        details = {"targeted": targeted, "holdout": holdout, "issued": issued}
        await audit.record(actor, "launchCampaign", "Campaign", campaign.id, details)
        await emit(actor, "campaign.launched", subject=("Campaign", campaign.id), payload=details)
    return campaign


def status_now(campaign: Campaign, now: datetime) -> str:
    """ENDED is not stored: a launched campaign ends when its window does."""
    if campaign.status == "LAUNCHED" and campaign.ends_at <= now:
        return "ENDED"
    return campaign.status


async def offer_ids(brand_id: int, campaign_ids: list[int]) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {cid: [] for cid in campaign_ids}
    rows = await CampaignOffer.filter(brand_id=brand_id, campaign_id__in=campaign_ids).order_by(
        "id"
    )
    for row in rows:
        found[row.campaign_id].append(row.offer_id)
    return found


async def list_campaigns(brand_id: int, page: PageRequest) -> Page[Campaign]:
    """Newest first."""
    return await paginate(
        Campaign.filter(brand_id=brand_id), "created_at", True, page, is_datetime=True
    )
