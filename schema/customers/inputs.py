from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any

import strawberry

from schema.attributes.inputs import AttributeCondition, AttributeValueInput
from schema.common import SortDirection
from schema.customers.types import Gender
from schema.loyalty.types import LifecycleStage, ValueTier
from services.customers.query import CustomerFilter as CustomerFilterSpec
from services.customers.upsert import UpsertInput as UpsertSpec


@strawberry.input
class ExternalIdInput:
    system: str = strawberry.field(description="The partner system, e.g. 'pos' or 'shop'.")
    external_id: str


@strawberry.input
class CreateCustomerInput:
    name: str
    phone: str | None = None
    email: str | None = None
    gender: Gender | None = None
    birthday: date | None = None
    city: str | None = None
    region: str | None = None
    address: str | None = None
    acquisition_channel: str | None = None
    marketing_consent: bool = False
    tags: list[str] = strawberry.field(default_factory=list)
    external_ids: list[ExternalIdInput] = strawberry.field(default_factory=list)
    referral_code: str | None = strawberry.field(
        default=None,
        description="A referrer's code: the customer is attributed to them (refusals as "
        "applyReferralCode's, and then nothing is created).",
    )
    attributes: list[AttributeValueInput] = strawberry.field(
        default_factory=list, description="Custom attribute values (see customerAttributes)."
    )


PROFILE_INPUT_FIELDS = (
    "name",
    "phone",
    "email",
    "gender",
    "birthday",
    "city",
    "region",
    "address",
    "acquisition_channel",
    "marketing_consent",
)


def profile_values(source: object, only_set: bool) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key in PROFILE_INPUT_FIELDS:
        value = getattr(source, key)
        if only_set and value is strawberry.UNSET:
            continue
        values[key] = value.value if isinstance(value, Enum) else value
    return values


def external_id_pairs(items: list[ExternalIdInput] | None) -> list[tuple[str, str]]:
    return [(item.system, item.external_id) for item in items or []]


@strawberry.input(description="Only the fields given are changed; null clears a field.")
class UpdateCustomerInput:
    id: strawberry.ID
    name: str | None = strawberry.UNSET
    phone: str | None = strawberry.UNSET
    email: str | None = strawberry.UNSET
    gender: Gender | None = strawberry.UNSET
    birthday: date | None = strawberry.UNSET
    city: str | None = strawberry.UNSET
    region: str | None = strawberry.UNSET
    address: str | None = strawberry.UNSET
    acquisition_channel: str | None = strawberry.UNSET
    marketing_consent: bool | None = strawberry.UNSET
    external_ids: list[ExternalIdInput] | None = strawberry.field(
        default=None, description="Sets (or replaces) the id for each system given."
    )
    attributes: list[AttributeValueInput] | None = strawberry.field(
        default=None, description="Sets each attribute given; a null value unsets it."
    )


@strawberry.input(
    description="Create or update: matched by `externalId` (the calling partner system's id), "
    "then by phone or email. Fields left out are kept on update."
)
class UpsertCustomerInput:
    external_id: ExternalIdInput | None = strawberry.field(
        default=None, description="Your system's id for this customer: the first key matched."
    )
    name: str | None = strawberry.UNSET
    phone: str | None = strawberry.UNSET
    email: str | None = strawberry.UNSET
    gender: Gender | None = strawberry.UNSET
    birthday: date | None = strawberry.UNSET
    city: str | None = strawberry.UNSET
    region: str | None = strawberry.UNSET
    address: str | None = strawberry.UNSET
    acquisition_channel: str | None = strawberry.UNSET
    marketing_consent: bool | None = strawberry.UNSET
    tags: list[str] = strawberry.field(default_factory=list, description="Added if missing.")
    external_ids: list[ExternalIdInput] = strawberry.field(default_factory=list)
    attributes: list[AttributeValueInput] = strawberry.field(default_factory=list)

    def to_spec(self) -> UpsertSpec:
        key = self.external_id
        return UpsertSpec(
            profile=profile_values(self, only_set=True),
            external_id=(key.system, key.external_id) if key else None,
            external_ids=tuple(external_id_pairs(self.external_ids)),
            tags=tuple(self.tags),
            attributes=tuple((a.key, a.value) for a in self.attributes),
        )


@strawberry.input
class AddCustomerNoteInput:
    customer_id: strawberry.ID
    body: str


@strawberry.input
class TagCustomersInput:
    customer_ids: list[strawberry.ID]
    add: list[str] = strawberry.field(default_factory=list)
    remove: list[str] = strawberry.field(default_factory=list)


@strawberry.input
class MergeCustomersInput:
    source_id: strawberry.ID = strawberry.field(description="Deleted after the merge.")
    target_id: strawberry.ID = strawberry.field(description="Receives everything of the source.")


@strawberry.input
class DeleteCustomerInput:
    id: strawberry.ID


@strawberry.input
class DateTimeRange:
    from_: datetime | None = strawberry.field(default=None, name="from")
    to: datetime | None = None


@strawberry.input
class ExternalIdFilter:
    system: str | None = None
    external_id: str


@strawberry.input
class CustomerFilter:
    search: str | None = strawberry.field(default=None, description="Name, phone or email.")
    tags: list[str] | None = strawberry.field(default=None, description="Has all these tags.")
    city: str | None = None
    gender: Gender | None = None
    created_at: DateTimeRange | None = None
    external_id: ExternalIdFilter | None = None
    tier: str | None = strawberry.field(default=None, description="Membership tier name.")
    lifecycle_stage: LifecycleStage | None = None
    value_tier: ValueTier | None = None
    attributes: list[AttributeCondition] | None = strawberry.field(
        default=None, description="Custom attribute conditions, all of which must hold (<= 10)."
    )

    def attribute_conditions(self) -> list[dict[str, Any]]:
        return [condition.to_dict() for condition in self.attributes or []]

    def to_spec(self) -> CustomerFilterSpec:
        created = self.created_at or DateTimeRange()
        return CustomerFilterSpec(
            search=self.search,
            tags=list(self.tags or []),
            city=self.city,
            gender=self.gender.value if self.gender else None,
            created_from=created.from_,
            created_to=created.to,
            external_system=self.external_id.system if self.external_id else None,
            external_id=self.external_id.external_id if self.external_id else None,
            tier=self.tier,
            lifecycle_stage=self.lifecycle_stage.value if self.lifecycle_stage else None,
            value_tier=self.value_tier.value if self.value_tier else None,
        )


@strawberry.enum
class CustomerOrderField(Enum):
    CREATED_AT = "CREATED_AT"
    UPDATED_AT = "UPDATED_AT"
    NAME = "NAME"


@strawberry.input
class CustomerOrder:
    field: CustomerOrderField = CustomerOrderField.CREATED_AT
    direction: SortDirection = SortDirection.DESC
