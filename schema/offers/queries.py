from __future__ import annotations

from decimal import Decimal

import strawberry

from auth.context import Info
from auth.permissions import requires
from auth.scopes import Scope
from resolvers.offers import queries
from schema.common import UserError, user_errors
from schema.offers.inputs import CartInput, OfferFilter
from schema.offers.types import CouponType, OfferConnection, OfferType
from services.common.pagination import PageRequest

READ = requires(Scope.OFFERS_READ)


@strawberry.type(description="A dry run of a coupon on a cart: nothing is written.")
class CouponValidation:
    valid: bool
    discount: Decimal | None = strawberry.field(
        default=None, description="Money the coupon would take off the cart."
    )
    coupon: CouponType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class OfferQueries:
    @strawberry.field(extensions=READ)
    async def offer(self, info: Info, id: strawberry.ID) -> OfferType | None:
        found = await queries.offer(info.context, id)
        return OfferType.from_model(found) if found else None

    @strawberry.field(extensions=READ, description="Newest first; keyset-paginated.")
    async def offers(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: OfferFilter | None = None,
    ) -> OfferConnection:
        f = filter or OfferFilter()
        spec = queries.OfferFilter(
            kind=f.kind.value if f.kind else None,
            active=f.active,
            trigger=f.trigger.value if f.trigger else None,
        )
        page = await queries.offers(info.context, spec, PageRequest(first=first, after=after))
        return OfferConnection.from_page(page)

    @strawberry.field(extensions=READ, description="Would the coupon apply, and for how much?")
    async def validate_coupon(self, info: Info, code: str, cart: CartInput) -> CouponValidation:
        customer = (
            queries.decode_query_id(cart.customer_id, "Customer") if cart.customer_id else None
        )
        result = await queries.validate_coupon(info.context, code, cart.to_cart(customer))
        if result.value is None:
            return CouponValidation(valid=False, errors=user_errors(result.errors))
        q = result.value
        return CouponValidation(
            valid=True, discount=q.discount, coupon=CouponType.from_model(q.coupon, info.context)
        )
