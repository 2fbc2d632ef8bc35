"""Custom attributes: a definition, and a customer's value of one."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING

import strawberry
from strawberry.scalars import JSON

from auth.context import Info
from resolvers.attributes.attributes import ShownValue
from resolvers.ids import to_global_id
from schema.common import Node, local_time

if TYPE_CHECKING:
    from models.attributes import CustomerAttribute
else:
    # strawberry evaluates the Private annotations: at run time the model is any object
    CustomerAttribute = object


@strawberry.enum(description="The type of a custom attribute's values.")
class AttributeType(Enum):
    STRING = "STRING"
    NUMBER = "NUMBER"
    BOOLEAN = "BOOLEAN"
    DATE = "DATE"
    ENUM = "ENUM"


@strawberry.type(name="CustomerAttribute", description="A brand-defined customer field.")
class CustomerAttributeType(Node):
    model: strawberry.Private[CustomerAttribute]

    @classmethod
    def from_model(cls, row: CustomerAttribute) -> CustomerAttributeType:
        return cls(id=strawberry.ID(to_global_id("CustomerAttribute", row.id)), model=row)

    @strawberry.field(description="Letters and digits; what inputs, filters and files use.")
    def key(self) -> str:
        return self.model.key

    @strawberry.field
    def label(self) -> str:
        return self.model.label

    @strawberry.field
    def type(self) -> AttributeType:
        return AttributeType(self.model.type)

    @strawberry.field(description="The allowed values of an ENUM.")
    def options(self) -> list[str]:
        return list(self.model.options or [])

    @strawberry.field(description="Personal data: masked without scope `pii:read`.")
    def is_pii(self) -> bool:
        return self.model.is_pii

    @strawberry.field(description="Needed when a customer is created.")
    def is_required(self) -> bool:
        return self.model.is_required

    @strawberry.field
    def updated_at(self, info: Info) -> datetime:
        return local_time(info, self.model.updated_at)


@strawberry.type(name="CustomerAttributeValue", description="A customer's value of an attribute.")
class CustomerAttributeValueType:
    shown: strawberry.Private[ShownValue]

    @strawberry.field
    def key(self) -> str:
        return self.shown.attribute.key

    @strawberry.field
    def label(self) -> str:
        return self.shown.attribute.label

    @strawberry.field
    def type(self) -> AttributeType:
        return AttributeType(self.shown.attribute.type)

    @strawberry.field(
        description="As its type: a string (STRING, ENUM), a number, a boolean, or a DATE as "
        "YYYY-MM-DD. Null when masked."
    )
    def value(self) -> JSON | None:
        return self.shown.value  # type: ignore[no-any-return]

    @strawberry.field(description="A personal-data value hidden for lack of scope `pii:read`.")
    def masked(self) -> bool:
        return self.shown.masked
