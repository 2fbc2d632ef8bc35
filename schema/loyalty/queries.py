from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import strawberry
from strawberry.scalars import JSON

from auth.context import Info
from auth.permissions import customer_only, requires
from auth.scopes import Scope
from resolvers.ids import to_global_id
from resolvers.loyalty import queries
from schema.appointments.fields import CustomerAppointmentFields
from schema.common import Node
from schema.loyalty.fields import LoyaltyFields
from schema.loyalty.types import TierType
from schema.offers.fields import CustomerOfferFields
from schema.referrals.fields import CustomerReferralFields
from services.loyalty.config import SETTINGS_FIELDS

if TYPE_CHECKING:
    from models import Customer as CustomerModel
    from models import LoyaltySettings


@strawberry.type(name="LoyaltySettings")
class LoyaltySettingsType(Node):
    earn_rate: Decimal
    rounding: str
    expiry_rule: str
    expiry_days: int
    pending_days: int
    daily_cap: int | None
    promotions: JSON
    downgrade_policy: str
    review_days: int
    grace_days: int
    new_days: int
    at_risk_days: int
    churned_days: int
    coupon_refund_rule: str = strawberry.field(description="FULL, ANY or NEVER.")

    @classmethod
    def from_model(cls, s: LoyaltySettings) -> LoyaltySettingsType:
        values: dict[str, Any] = {k: getattr(s, k) for k in SETTINGS_FIELDS}
        # One per brand, so its id is the brand's number (the row may not be written yet).
        return cls(id=strawberry.ID(to_global_id("LoyaltySettings", s.brand_id)), **values)


@strawberry.type(description="What a customer may see of themselves.")
class CustomerProfile:
    name: str
    phone: str | None
    email: str | None
    birthday: date | None
    city: str | None


@strawberry.type(
    name="Me", description="The customer behind a customer token; `id` is the customer's id."
)
class MeType(
    Node, LoyaltyFields, CustomerOfferFields, CustomerAppointmentFields, CustomerReferralFields
):
    @strawberry.field
    def profile(self) -> CustomerProfile:
        c = self.model
        return CustomerProfile(
            name=c.name, phone=c.phone, email=c.email, birthday=c.birthday, city=c.city
        )

    @classmethod
    def from_model(cls, customer: CustomerModel) -> MeType:
        return cls(id=strawberry.ID(to_global_id("Customer", customer.id)), model=customer)


@strawberry.type
class LoyaltyQueries:
    @strawberry.field(extensions=requires(Scope.MEMBERSHIPS_READ), description="By rank.")
    async def tier_ladder(self, info: Info) -> list[TierType]:
        return [TierType.from_model(t) for t in await queries.tier_ladder(info.context)]

    @strawberry.field(extensions=requires(Scope.MEMBERSHIPS_READ))
    async def loyalty_settings(self, info: Info) -> LoyaltySettingsType:
        return LoyaltySettingsType.from_model(await queries.loyalty_settings(info.context))

    @strawberry.field(extensions=customer_only(), description="The caller's own data.")
    async def me(self, info: Info) -> MeType | None:
        found = await queries.me(info.context)
        return MeType.from_model(found) if found else None
