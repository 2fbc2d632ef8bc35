from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import TYPE_CHECKING

import strawberry

from auth.context import Info
from auth.permissions import MaskPII
from resolvers.attributes import attributes as attribute_resolvers
from resolvers.customers import loaders, queries
from resolvers.customers.queries import TimelineEntry as TimelineEntryData
from resolvers.ids import to_global_id
from schema.analytics.fields import CustomerAnalyticsFields
from schema.appointments.fields import CustomerAppointmentFields
from schema.attributes.types import CustomerAttributeValueType
from schema.common import Edge, Node, PageInfo, edges, local_time
from schema.loyalty.fields import LoyaltyFields
from schema.offers.fields import CustomerOfferFields
from schema.privacy.consents import CustomerConsentFields
from schema.referrals.fields import CustomerReferralFields
from schema.surveys.fields import CustomerSurveyFields
from services.common.pagination import Page

if TYPE_CHECKING:
    from models import Customer as CustomerModel
    from models import CustomerExternalId, CustomerNote
else:
    # strawberry evaluates the Private annotations: at run time the model is any object
    CustomerModel = object
    CustomerNote = object


@strawberry.enum
class Gender(Enum):
    FEMALE = "FEMALE"
    MALE = "MALE"
    OTHER = "OTHER"
    UNKNOWN = "UNKNOWN"


GENDERS = {gender.value: gender for gender in Gender}


@strawberry.type(description="The id a partner system uses for this customer.")
class ExternalId(Node):
    system: str
    external_id: str

    @classmethod
    def from_model(cls, row: CustomerExternalId) -> ExternalId:
        return cls(
            id=strawberry.ID(to_global_id("ExternalId", row.id)),
            system=row.system,
            external_id=row.external_id,
        )


@strawberry.type(name="CustomerNote", description="An internal note by staff.")
class CustomerNoteType(Node):
    body: str
    author: str
    model: strawberry.Private[CustomerNote]

    @strawberry.field
    def created_at(self, info: Info) -> datetime:
        return local_time(info, self.model.created_at)

    @classmethod
    def from_model(cls, note: CustomerNote) -> CustomerNoteType:
        return cls(
            id=strawberry.ID(to_global_id("CustomerNote", note.id)),
            body=note.body,
            author=note.author,
            model=note,
        )


@strawberry.type(description="One thing that happened to a customer.")
class TimelineEntry:
    kind: str = strawberry.field(
        description="NOTE, TICKET_OPENED, TICKET_RESOLVED, SURVEY_ANSWERED, COUPON_ISSUED, "
        "COUPON_REDEEMED, TIER_CHANGED, or the mutation of a recorded change (createCustomer, "
        "updateCustomer, recordPurchase, refundPurchase, awardPoints, setCustomerConsent...)."
    )
    actor: str = strawberry.field(description="kind:id of who did it; empty when not recorded.")
    summary: str = strawberry.field(description="What happened, in a sentence.")
    data: strawberry.Private[TimelineEntryData]

    @strawberry.field
    def occurred_at(self, info: Info) -> datetime:
        return local_time(info, self.data.occurred_at)


@strawberry.type(description="Another customer who may be the same person, for staff to merge.")
class PossibleDuplicate:
    customer: CustomerType
    score: float = strawberry.field(
        description="0 to 1: the names' similarity, raised by each matching contact."
    )
    reasons: list[str] = strawberry.field(
        description="NAME, and PHONE (same last 8 digits), EMAIL (same canonical address) or "
        "EMAIL_LOCAL_PART (same name before @ at another domain)."
    )


@strawberry.type(name="Customer", description="A customer of one brand.")
class CustomerType(
    Node,
    LoyaltyFields,
    CustomerOfferFields,
    CustomerConsentFields,
    CustomerSurveyFields,
    CustomerAppointmentFields,
    CustomerReferralFields,
    CustomerAnalyticsFields,
):
    name: str
    phone: str | None = strawberry.field(
        extensions=[MaskPII("phone")], description="E.164, e.g. +8613800138000."
    )
    email: str | None = strawberry.field(extensions=[MaskPII("email")])
    birthday: date | None = strawberry.field(extensions=[MaskPII("date")])
    address: str | None = strawberry.field(extensions=[MaskPII("text")])
    gender: Gender
    birth_month: int | None = strawberry.field(
        description="Month of the birthday (1-12), visible without pii:read, for birthday offers."
    )
    city: str | None
    region: str | None
    acquisition_channel: str | None
    marketing_consent: bool
    model: strawberry.Private[CustomerModel]

    @classmethod
    def from_model(cls, customer: CustomerModel) -> CustomerType:
        return cls(
            id=strawberry.ID(to_global_id("Customer", customer.id)),
            name=customer.name,
            phone=customer.phone,
            email=customer.email,
            birthday=customer.birthday,
            birth_month=customer.birthday.month if customer.birthday else None,
            address=customer.address,
            gender=GENDERS[customer.gender],  # a dict lookup: Enum(value) is slow on wide pages
            city=customer.city,
            region=customer.region,
            acquisition_channel=customer.acquisition_channel,
            marketing_consent=customer.marketing_consent,
            model=customer,
        )

    @strawberry.field
    def created_at(self, info: Info) -> datetime:
        return local_time(info, self.model.created_at)

    @strawberry.field
    def updated_at(self, info: Info) -> datetime:
        return local_time(info, self.model.updated_at)

    @strawberry.field
    async def tags(self, info: Info) -> list[str]:
        return await loaders.tags(info.context, self.model)

    @strawberry.field
    async def external_ids(self, info: Info) -> list[ExternalId]:
        rows = await loaders.external_ids(info.context, self.model)
        return [ExternalId.from_model(row) for row in rows]

    @strawberry.field(
        description="The brand's custom attributes set for this customer, by key; personal-data "
        "ones masked without scope `pii:read`."
    )
    async def attributes(self, info: Info) -> list[CustomerAttributeValueType]:
        shown = await attribute_resolvers.of_customer(info.context, self.model)
        return [CustomerAttributeValueType(shown=item) for item in shown]

    @strawberry.field(description="Staff notes, newest first.")
    async def notes(self, info: Info, first: int = 20) -> list[CustomerNoteType]:
        rows = await queries.notes(info.context, self.model, first)
        return [CustomerNoteType.from_model(row) for row in rows]

    @strawberry.field(
        description="Customers with a similar name and a phone or email that looks the same "
        "(normalised, fuzzy), most likely first; at most 50."
    )
    async def possible_duplicates(self, info: Info, first: int = 10) -> list[PossibleDuplicate]:
        found = await queries.possible_duplicates(info.context, self.model, first)
        return [
            PossibleDuplicate(
                customer=CustomerType.from_model(d.customer), score=d.score, reasons=list(d.reasons)
            )
            for d in found
        ]

    @strawberry.field(description="Interactions and changes, newest first.")
    async def timeline(self, info: Info, first: int = 20) -> list[TimelineEntry]:
        entries = await queries.timeline(info.context, self.model, first)
        return [
            TimelineEntry(kind=e.kind, actor=e.actor, summary=e.summary, data=e) for e in entries
        ]


@strawberry.type
class CustomerConnection:
    edges: list[Edge[CustomerType]]
    page_info: PageInfo
    count: strawberry.Private[object]

    @strawberry.field(description="All customers matching the filter (one COUNT query).")
    async def total_count(self) -> int:
        return await self.count()  # type: ignore[operator,no-any-return]

    @classmethod
    def from_page(cls, page: Page[CustomerModel], count: object) -> CustomerConnection:
        return cls(
            edges=edges(page, CustomerType.from_model),
            page_info=PageInfo.from_page(page),
            count=count,
        )
