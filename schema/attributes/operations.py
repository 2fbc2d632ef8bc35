"""Custom attributes: `customerAttributes` and `defineCustomerAttribute`."""

from __future__ import annotations

import strawberry

from auth.context import Info
from auth.permissions import requires
from auth.scopes import Scope
from resolvers.attributes import attributes as resolvers
from schema.attributes.inputs import DefineCustomerAttributeInput
from schema.attributes.types import CustomerAttributeType
from schema.common import UserError, user_errors


@strawberry.type
class DefineCustomerAttributePayload:
    attribute: CustomerAttributeType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class AttributeQueries:
    @strawberry.field(
        extensions=requires(Scope.CUSTOMERS_READ), description="The brand's attributes by key."
    )
    async def customer_attributes(self, info: Info) -> list[CustomerAttributeType]:
        return [CustomerAttributeType.from_model(a) for a in await resolvers.listing(info.context)]


@strawberry.type
class AttributeMutations:
    @strawberry.mutation(
        extensions=requires(Scope.ADMIN),
        description="Creates an attribute or changes its label, options and flags (not its "
        "type). Audited.",
    )
    async def define_customer_attribute(
        self, info: Info, input: DefineCustomerAttributeInput
    ) -> DefineCustomerAttributePayload:
        result = await resolvers.define(info.context, input.values())
        found = CustomerAttributeType.from_model(result.value) if result.value else None
        return DefineCustomerAttributePayload(attribute=found, errors=user_errors(result.errors))
