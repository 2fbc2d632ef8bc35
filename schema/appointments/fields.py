"""`Customer.appointments`: hung on the customer type."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import strawberry

from auth.context import Info
from resolvers.appointments import queries
from resolvers.errors import bad_input
from schema.appointments.inputs import AppointmentFilter
from schema.appointments.types import AppointmentConnection
from services.common.pagination import PageRequest

if TYPE_CHECKING:
    from models import Customer as CustomerModel
else:
    # strawberry evaluates the Private annotations: at run time the model is any object
    CustomerModel = object


@strawberry.type
class CustomerAppointmentFields:
    model: strawberry.Private[CustomerModel]

    @strawberry.field(
        description="Soonest first (staff need appointments:read; a customer sees their own)."
    )
    async def appointments(
        self,
        info: Info,
        first: int = 20,
        after: str | None = None,
        filter: AppointmentFilter | None = None,
    ) -> AppointmentConnection:
        if not 0 <= first <= 100:
            raise bad_input("first must be between 0 and 100")
        spec = replace((filter or AppointmentFilter()).to_spec(), customer_id=self.model.id)
        page = await queries.customer_appointments(
            info.context, self.model, spec, PageRequest(first=first, after=after)
        )

        async def count() -> int:
            return await queries.appointments_count(info.context, spec)

        return AppointmentConnection.from_page(page, count)
