from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

import strawberry

from auth.context import Info
from auth.permissions import requires
from auth.scopes import Scope
from resolvers.customers import mutations
from schema.attributes.inputs import attribute_pairs
from schema.common import UserError, user_errors
from schema.customers.inputs import (
    AddCustomerNoteInput,
    CreateCustomerInput,
    DeleteCustomerInput,
    MergeCustomersInput,
    TagCustomersInput,
    UpdateCustomerInput,
    UpsertCustomerInput,
    external_id_pairs,
    profile_values,
)
from schema.customers.types import CustomerNoteType, CustomerType
from services.common.errors import FieldError

if TYPE_CHECKING:
    from models import Customer


@strawberry.type
class CustomerPayload:
    customer: CustomerType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.enum(description="What an upsert did.")
class UpsertOutcome(Enum):
    CREATED = "CREATED"
    UPDATED = "UPDATED"


@strawberry.type
class UpsertCustomerPayload:
    customer: CustomerType | None = None
    outcome: UpsertOutcome | None = None
    candidates: list[CustomerType] = strawberry.field(
        default_factory=list,
        description="POSSIBLE_DUPLICATE: the customers the input fits; nothing was written.",
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class AddCustomerNotePayload:
    note: CustomerNoteType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class TagCustomersPayload:
    customers: list[CustomerType] = strawberry.field(default_factory=list)
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class DeleteCustomerPayload:
    deleted_id: strawberry.ID | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


WRITE = requires(Scope.CUSTOMERS_WRITE)


@strawberry.type
class CustomerMutations:
    @strawberry.mutation(extensions=WRITE, description="Phone/email are cleaned and de-duplicated.")
    async def create_customer(self, info: Info, input: CreateCustomerInput) -> CustomerPayload:
        result = await mutations.create_customer(
            info.context,
            profile_values(input, only_set=False),
            input.tags,
            external_id_pairs(input.external_ids),
            attribute_pairs(input.attributes),
            referral_code=input.referral_code,
        )
        return _customer_payload(result.value, result.errors)

    @strawberry.mutation(extensions=WRITE)
    async def update_customer(self, info: Info, input: UpdateCustomerInput) -> CustomerPayload:
        result = await mutations.update_customer(
            info.context,
            input.id,
            profile_values(input, only_set=True),
            external_id_pairs(input.external_ids),
            attribute_pairs(input.attributes),
        )
        return _customer_payload(result.value, result.errors)

    @strawberry.mutation(
        extensions=WRITE,
        description="Create or update by external id, phone or email; an ambiguous match is "
        "POSSIBLE_DUPLICATE with the candidates, never a second record.",
    )
    async def upsert_customer(
        self, info: Info, input: UpsertCustomerInput
    ) -> UpsertCustomerPayload:
        result = await mutations.upsert_customer(info.context, input.to_spec())
        if result.value is None:
            candidates = await mutations.candidates(info.context, result.errors)
            return UpsertCustomerPayload(
                candidates=[CustomerType.from_model(c) for c in candidates],
                errors=user_errors(result.errors, related_type="Customer"),
            )
        return UpsertCustomerPayload(
            customer=CustomerType.from_model(result.value.customer),
            outcome=UpsertOutcome(result.value.outcome),
        )

    @strawberry.mutation(extensions=WRITE)
    async def add_customer_note(
        self, info: Info, input: AddCustomerNoteInput
    ) -> AddCustomerNotePayload:
        result = await mutations.add_note(info.context, input.customer_id, input.body)
        note = CustomerNoteType.from_model(result.value) if result.value else None
        return AddCustomerNotePayload(note=note, errors=user_errors(result.errors))

    @strawberry.mutation(extensions=WRITE, description="Adds and removes tags on many customers.")
    async def tag_customers(self, info: Info, input: TagCustomersInput) -> TagCustomersPayload:
        result = await mutations.tag_customers(
            info.context, list(input.customer_ids), input.add, input.remove
        )
        found = [CustomerType.from_model(c) for c in result.value or []]
        return TagCustomersPayload(customers=found, errors=user_errors(result.errors))

    @strawberry.mutation(
        extensions=WRITE,
        description="Moves everything of the source onto the target, then deletes the source.",
    )
    async def merge_customers(self, info: Info, input: MergeCustomersInput) -> CustomerPayload:
        result = await mutations.merge_customers(info.context, input.source_id, input.target_id)
        return _customer_payload(result.value, result.errors)

    @strawberry.mutation(extensions=WRITE, description="Erases the customer and their data.")
    async def delete_customer(
        self, info: Info, input: DeleteCustomerInput
    ) -> DeleteCustomerPayload:
        result = await mutations.delete_customer(info.context, input.id)
        deleted = strawberry.ID(result.value) if result.value else None
        return DeleteCustomerPayload(deleted_id=deleted, errors=user_errors(result.errors))


def _customer_payload(customer: Customer | None, errors: list[FieldError]) -> CustomerPayload:
    found = CustomerType.from_model(customer) if customer is not None else None
    return CustomerPayload(customer=found, errors=user_errors(errors, related_type="Customer"))
