"""`node(id:)`: one registry says which scope each node type needs and how it is fetched.

Every object type that shows a stored record implements `Node` and has an entry here
(tests/test_node_ids.py checks both), so clients' caches (Apollo's, Relay's) can normalise it.
`Me` carries its customer's id, fetched as a `Customer`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import strawberry
from strawberry.exceptions import StrawberryGraphQLError

from auth.context import Info
from auth.permissions import requires
from auth.scopes import Scope
from resolvers import nodes
from resolvers.analytics import reports as analytics_reports
from resolvers.appointments import queries as appointment_queries
from resolvers.campaigns import loaders as campaign_loaders
from resolvers.customers import loaders as customer_loaders
from resolvers.errors import bad_input
from resolvers.ids import BadGlobalId, from_global_id, to_global_id
from resolvers.imports import jobs as import_jobs
from resolvers.loyalty import queries as loyalty_queries
from resolvers.offers import loaders as offer_loaders
from resolvers.privacy import exports as privacy_exports
from resolvers.segments import queries as segment_queries
from resolvers.stores import loaders as store_loaders
from resolvers.surveys import queries as survey_queries
from resolvers.tickets import loaders as ticket_loaders
from resolvers.tickets import queries as ticket_queries
from schema.analytics.types import (
    AnalyticsRefresh,
    ChurnModelQuality,
    CustomerClusterType,
    ProductType,
)
from schema.appointments.types import (
    AppointmentType,
    BookableServiceType,
    BookingPolicyType,
    PriorityHoldType,
)
from schema.attributes.types import CustomerAttributeType
from schema.audit.types import AuditEntryType
from schema.brands.apps import PartnerApp
from schema.brands.types import BrandType
from schema.campaigns.types import CampaignType
from schema.common import Node
from schema.customers.types import CustomerNoteType, CustomerType, ExternalId
from schema.events.webhooks import WebhookDeliveryType, WebhookType
from schema.imports.types import ExportJob, ImportJob
from schema.loyalty.queries import LoyaltySettingsType
from schema.loyalty.types import (
    MembershipType,
    PointsTransactionType,
    PurchaseItemType,
    PurchaseType,
    TierChange,
    TierType,
)
from schema.offers.types import CouponType, OfferType
from schema.privacy.exports import CustomerDataExport
from schema.referrals.types import ReferralRewardType, ReferralSettingsType, ReferralType
from schema.segments.types import SegmentType
from schema.stores.types import (
    StaffAssignmentType,
    StaffMemberType,
    StaffTimeOffType,
    StoreType,
)
from schema.surveys.types import SurveyInvitationType, SurveyResponseType, SurveyType
from schema.tickets.types import (
    SlaPolicyType,
    TicketMessageType,
    TicketSettingsType,
    TicketType,
    staff_type,
)
from schema.tracking.types import TrackingKeyType

NodeFetch = Callable[[Info, int], Awaitable[Node | None]]


@dataclass(frozen=True)
class NodeKind:
    scope: Scope | None  # None: any principal of the brand
    fetch: NodeFetch


async def _customer(info: Info, pk: int) -> Node | None:
    found = await customer_loaders.customer_by_id(info.context, pk)
    return CustomerType.from_model(found) if found else None


async def _ticket(info: Info, pk: int) -> Node | None:
    found = await ticket_loaders.ticket_by_id(info.context, pk)
    return TicketType.from_model(found) if found else None


async def _survey(info: Info, pk: int) -> Node | None:
    found = await survey_queries.survey_by_id(info.context, pk)
    return SurveyType.from_model(found) if found else None


async def _segment(info: Info, pk: int) -> Node | None:
    found = await segment_queries.segment_by_id(info.context, pk)
    return SegmentType.from_model(found) if found else None


async def _offer(info: Info, pk: int) -> Node | None:
    brand = info.context.require_brand()
    found = await offer_loaders.offer_by_id(info.context, brand.id, pk)
    return OfferType.from_model(found) if found else None


async def _campaign(info: Info, pk: int) -> Node | None:
    found = await campaign_loaders.campaign_by_id(info.context, pk)
    return CampaignType.from_model(found) if found else None


async def _brand(info: Info, pk: int) -> Node | None:
    found = nodes.own_brand(info.context, pk)
    return BrandType.from_model(found) if found else None


async def _loyalty_settings(info: Info, pk: int) -> Node | None:
    if nodes.own_brand(info.context, pk) is None:
        return None
    return LoyaltySettingsType.from_model(await loyalty_queries.loyalty_settings(info.context))


async def _ticket_settings(info: Info, pk: int) -> Node | None:
    if nodes.own_brand(info.context, pk) is None:
        return None
    return TicketSettingsType.from_model(*await ticket_queries.settings(info.context))


async def _ticket_message(info: Info, pk: int) -> Node | None:
    found = await nodes.ticket_message(info.context, pk)
    return TicketMessageType.from_model(found) if found else None


def _stored(type_name: str, build: Callable[[Any, Info], Node]) -> NodeFetch:
    """Fetches a row of the brand by number and builds the type from it."""

    async def fetch(info: Info, pk: int) -> Node | None:
        found = await nodes.record(info.context, type_name, pk)
        return build(found, info) if found is not None else None

    return fetch


def _from_model(node_type: Any) -> Callable[[Any, Info], Node]:
    return lambda row, info: node_type.from_model(row)  # type: ignore[no-any-return]


def _built_by(build: Callable[[Any], Node]) -> Callable[[Any, Info], Node]:
    return lambda row, info: build(row)


async def _customer_data_export(info: Info, pk: int) -> Node | None:
    found = await privacy_exports.export_by_number(info.context, pk)
    return CustomerDataExport.from_model(found) if found else None


async def _store(info: Info, pk: int) -> Node | None:
    found = await store_loaders.store_by_id(info.context, info.context.require_brand().id, pk)
    return StoreType.from_model(found) if found else None


async def _staff_member(info: Info, pk: int) -> Node | None:
    found = await store_loaders.staff_by_id(info.context, info.context.require_brand().id, pk)
    return StaffMemberType.from_model(found) if found else None


async def _bookable_service(info: Info, pk: int) -> Node | None:
    found = await store_loaders.service_by_id(info.context, info.context.require_brand().id, pk)
    return BookableServiceType.from_model(found) if found else None


async def _appointment(info: Info, pk: int) -> Node | None:
    found = await appointment_queries.appointment(info.context, to_global_id("Appointment", pk))
    return AppointmentType.from_model(found) if found else None


def _file_job(node_type: type[ImportJob] | type[ExportJob], kind: str) -> NodeFetch:
    async def fetch(info: Info, pk: int) -> Node | None:
        type_name = node_type.__name__
        found = await import_jobs.job_of(info.context, to_global_id(type_name, pk), type_name, kind)
        return node_type.from_model(found) if found else None  # type: ignore[arg-type]

    return fetch


async def _product(info: Info, pk: int) -> Node | None:
    found = await analytics_reports.product_by_id(info.context, pk)
    return ProductType.from_model(found) if found else None


NODE_KINDS: dict[str, NodeKind] = {
    "Product": NodeKind(Scope.ANALYTICS_READ, _product),
    "AnalyticsRefresh": NodeKind(
        Scope.ANALYTICS_READ,
        _stored("AnalyticsRefresh", lambda row, info: AnalyticsRefresh.of(row)),
    ),
    "ChurnModelQuality": NodeKind(
        Scope.ANALYTICS_READ,
        _stored("ChurnModelQuality", lambda row, info: ChurnModelQuality.of(row)),
    ),
    "CustomerCluster": NodeKind(
        Scope.ANALYTICS_READ, _stored("CustomerCluster", _from_model(CustomerClusterType))
    ),
    "ImportJob": NodeKind(Scope.CUSTOMERS_READ, _file_job(ImportJob, "import")),
    "ExportJob": NodeKind(Scope.CUSTOMERS_READ, _file_job(ExportJob, "export")),
    "CustomerAttribute": NodeKind(
        Scope.CUSTOMERS_READ,
        _stored("CustomerAttribute", _from_model(CustomerAttributeType)),
    ),
    "TrackingKey": NodeKind(
        Scope.EVENTS_READ, _stored("TrackingKey", _from_model(TrackingKeyType))
    ),
    "AuditEntry": NodeKind(Scope.AUDIT_READ, _stored("AuditEntry", _from_model(AuditEntryType))),
    "CustomerDataExport": NodeKind(Scope.PRIVACY_MANAGE, _customer_data_export),
    "Brand": NodeKind(None, _brand),
    "Campaign": NodeKind(Scope.OFFERS_READ, _campaign),
    "Coupon": NodeKind(Scope.OFFERS_READ, _stored("Coupon", _from_model(CouponType))),
    "Customer": NodeKind(Scope.CUSTOMERS_READ, _customer),
    "CustomerNote": NodeKind(
        Scope.CUSTOMERS_READ, _stored("CustomerNote", _from_model(CustomerNoteType))
    ),
    "ExternalId": NodeKind(Scope.CUSTOMERS_READ, _stored("ExternalId", _from_model(ExternalId))),
    "LoyaltySettings": NodeKind(Scope.MEMBERSHIPS_READ, _loyalty_settings),
    "Membership": NodeKind(
        Scope.MEMBERSHIPS_READ, _stored("Membership", _from_model(MembershipType))
    ),
    "Offer": NodeKind(Scope.OFFERS_READ, _offer),
    "PartnerApp": NodeKind(Scope.ADMIN, _stored("PartnerApp", _from_model(PartnerApp))),
    "PointsTransaction": NodeKind(
        Scope.POINTS_READ,
        _stored(
            "PointsTransaction",
            lambda row, info: PointsTransactionType.from_model(row, info.context),
        ),
    ),
    "Purchase": NodeKind(Scope.CUSTOMERS_READ, _stored("Purchase", _from_model(PurchaseType))),
    "PurchaseItemType": NodeKind(
        Scope.CUSTOMERS_READ, _stored("PurchaseItemType", _from_model(PurchaseItemType))
    ),
    "Segment": NodeKind(Scope.OFFERS_READ, _segment),
    "SlaPolicy": NodeKind(Scope.TICKETS_READ, _stored("SlaPolicy", _from_model(SlaPolicyType))),
    "StaffUser": NodeKind(
        Scope.TICKETS_READ, _stored("StaffUser", lambda row, info: staff_type(row))
    ),
    "Survey": NodeKind(Scope.SURVEYS_READ, _survey),
    "SurveyInvitation": NodeKind(
        Scope.SURVEYS_READ, _stored("SurveyInvitation", _from_model(SurveyInvitationType))
    ),
    "SurveyResponse": NodeKind(
        Scope.SURVEYS_READ, _stored("SurveyResponse", _from_model(SurveyResponseType))
    ),
    "Ticket": NodeKind(Scope.TICKETS_READ, _ticket),
    "TicketMessage": NodeKind(Scope.TICKETS_READ, _ticket_message),
    "TicketSettings": NodeKind(Scope.TICKETS_READ, _ticket_settings),
    "Tier": NodeKind(Scope.MEMBERSHIPS_READ, _stored("Tier", _from_model(TierType))),
    "TierChange": NodeKind(Scope.MEMBERSHIPS_READ, _stored("TierChange", _from_model(TierChange))),
    "Webhook": NodeKind(Scope.EVENTS_WRITE, _stored("Webhook", _from_model(WebhookType))),
    "WebhookDelivery": NodeKind(
        Scope.EVENTS_WRITE,
        _stored("WebhookDelivery", _from_model(WebhookDeliveryType)),
    ),
    "Store": NodeKind(Scope.STORES_READ, _store),
    "StaffAssignment": NodeKind(
        Scope.STORES_READ, _stored("StaffAssignment", _from_model(StaffAssignmentType))
    ),
    "StaffTimeOff": NodeKind(
        Scope.STORES_READ, _stored("StaffTimeOff", _from_model(StaffTimeOffType))
    ),
    "BookingPolicy": NodeKind(
        Scope.STORES_READ, _stored("BookingPolicy", _from_model(BookingPolicyType))
    ),
    "PriorityHold": NodeKind(
        Scope.APPOINTMENTS_READ, _stored("PriorityHold", _from_model(PriorityHoldType))
    ),
    "Referral": NodeKind(Scope.CUSTOMERS_READ, _stored("Referral", _from_model(ReferralType))),
    "ReferralReward": NodeKind(
        Scope.CUSTOMERS_READ, _stored("ReferralReward", _from_model(ReferralRewardType))
    ),
    "ReferralSettings": NodeKind(
        Scope.CUSTOMERS_READ, _stored("ReferralSettings", _from_model(ReferralSettingsType))
    ),
    "StaffMember": NodeKind(Scope.STORES_READ, _staff_member),
    "BookableService": NodeKind(Scope.STORES_READ, _bookable_service),
    "Appointment": NodeKind(Scope.APPOINTMENTS_READ, _appointment),
}
# Types that carry another type's id: `Me` is its customer.
NODE_ALIASES = {"Me": "Customer"}


@strawberry.type
class NodeQueries:
    @strawberry.field(
        extensions=requires(),
        description="Any object by global id; each type also needs its own read scope.",
    )
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        try:
            type_name, pk = from_global_id(id)
        except BadGlobalId as exc:
            raise bad_input(str(exc)) from exc
        kind = NODE_KINDS.get(type_name)
        if kind is None:
            return None
        principal = info.context.principal
        scope = kind.scope
        if principal is None or (scope is not None and not principal.has(scope.value)):
            needed = f"scope {scope.value}" if scope is not None else "a token of the brand"
            raise StrawberryGraphQLError(f"requires {needed}", extensions={"code": "FORBIDDEN"})
        return await kind.fetch(info, pk)
