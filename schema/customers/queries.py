from __future__ import annotations

import strawberry

from auth.context import Info
from auth.permissions import requires
from auth.scopes import Scope
from resolvers.customers import queries
from schema.customers.inputs import CustomerFilter, CustomerOrder
from schema.customers.types import CustomerConnection, CustomerType
from services.common.pagination import PageRequest


@strawberry.type
class CustomerQueries:
    @strawberry.field(extensions=requires(Scope.CUSTOMERS_READ))
    async def customer(self, info: Info, id: strawberry.ID) -> CustomerType | None:
        found = await queries.customer(info.context, id)
        return CustomerType.from_model(found) if found else None

    @strawberry.field(
        extensions=requires(Scope.CUSTOMERS_READ),
        description="Customers of the caller's brand; keyset-paginated, at most 100 a page.",
    )
    async def customers(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: CustomerFilter | None = None,
        order_by: CustomerOrder | None = None,
    ) -> CustomerConnection:
        given = filter or CustomerFilter()
        spec = await queries.with_attributes(
            info.context, given.to_spec(), given.attribute_conditions()
        )
        order = order_by or CustomerOrder()
        page = await queries.customers(
            info.context,
            spec,
            PageRequest(first=first, after=after, last=last, before=before),
            order.field.value,
            descending=order.direction.value == "DESC",
        )

        async def count() -> int:
            return await queries.customers_count(info.context, spec)

        return CustomerConnection.from_page(page, count)
