"""`Customer.referralCode`, `Customer.referrals`, `Customer.referredBy`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import strawberry

from auth.context import Info
from resolvers.referrals import resolvers
from schema.referrals.types import ReferralType

if TYPE_CHECKING:
    from models import Customer as CustomerModel
else:
    # strawberry evaluates the Private annotations: at run time the model is any object
    CustomerModel = object


@strawberry.type
class CustomerReferralFields:
    model: strawberry.Private[CustomerModel]

    @strawberry.field(
        description="The customer's own code to invite friends: stable, short, unguessable "
        "(made on first read)."
    )
    async def referral_code(self, info: Info) -> str:
        return await resolvers.referral_code(info.context, self.model)

    @strawberry.field(description="Customers this one referred, newest first (at most 100).")
    async def referrals(self, info: Info) -> list[ReferralType]:
        rows = await resolvers.referrals_made(info.context, self.model)
        return [ReferralType.from_model(r) for r in rows]

    @strawberry.field(description="The referral this customer signed up through.")
    async def referred_by(self, info: Info) -> ReferralType | None:
        found = await resolvers.referred_by(info.context, self.model)
        return ReferralType.from_model(found) if found else None
