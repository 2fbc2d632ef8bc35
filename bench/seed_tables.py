"""The tables bench/seed.py fills, in foreign-key order, and the columns it gives for each."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bench.bulkload import TableSpec

COLUMNS: dict[str, tuple[str, str]] = {  # table -> (model path, given columns)
    "customers": (
        "models.Customer",
        "id brand_id name phone email gender birthday city acquisition_channel "
        "marketing_consent created_at updated_at",
    ),
    "customer_tags": ("models.CustomerTag", "id brand_id customer_id tag"),
    "customer_external_ids": (
        "models.CustomerExternalId",
        "id brand_id customer_id system external_id",
    ),
    "customer_notes": ("models.CustomerNote", "id brand_id customer_id body author created_at"),
    "memberships": (
        "models.Membership",
        "id brand_id customer_id member_number tier_id tier_since available lifetime_earned "
        "redeemed enrolled_at",
    ),
    "purchases": (
        "models.Purchase",
        "id brand_id customer_id amount points_earned store_id channel occurred_at created_at",
    ),
    "purchase_items": (
        "models.PurchaseItem",
        "id brand_id purchase_id sku name category quantity unit_price",
    ),
    "points_transactions": (
        "models.PointsTransaction",
        "id brand_id customer_id kind amount balance_after reason source actor purchase_id "
        "lot_points remaining created_at",
    ),
    "daily_spend": ("models.DailySpend", "id brand_id customer_id day month cents purchases"),
    "tickets": (
        "models.tickets.Ticket",
        "id brand_id customer_id channel category severity subject description status "
        "opened_by resolution root_cause first_response_due resolution_due resolved_at "
        "closed_at csat_score created_at updated_at",
    ),
    "survey_invitations": (
        "models.surveys.SurveyInvitation",
        "id brand_id survey_id customer_id token channel sent_at responded_at",
    ),
    "survey_responses": (
        "models.surveys.SurveyResponse",
        "id brand_id survey_id invitation_id customer_id answers nps_score channel submitted_at",
    ),
    "coupons": (
        "models.offers.Coupon",
        "id brand_id offer_id customer_id code status issued_at expires_at redeemed_at "
        "purchase_id discount",
    ),
}


def _model(path: str) -> Any:
    module, _, name = path.rpartition(".")
    return getattr(__import__(module, fromlist=[name]), name)


@dataclass
class Specs:
    tables: dict[str, TableSpec]
    with_coupons: bool

    @classmethod
    def build(cls, with_coupons: bool) -> Specs:
        """Call with the ORM initialised (foreign-key columns are known only then)."""
        tables = {
            table: TableSpec(_model(path), given.split())
            for table, (path, given) in COLUMNS.items()
            if table != "coupons" or with_coupons
        }
        return cls(tables, with_coupons)
