"""Permission classes: every root field declares one, in one place, with `requires` or `public`."""

from __future__ import annotations

from typing import Any

from strawberry.exceptions import StrawberryGraphQLError
from strawberry.extensions import FieldExtension
from strawberry.extensions.field_extension import SyncExtensionResolver
from strawberry.permission import BasePermission, PermissionExtension
from strawberry.types.field import StrawberryField

from auth.context import Info
from auth.scopes import Scope
from models import Customer
from services.customers.normalize import mask_email, mask_phone, mask_text


def unauthenticated(info: Info) -> StrawberryGraphQLError:
    reason = info.context.auth_error or "authentication required"
    return StrawberryGraphQLError(reason, extensions={"code": "UNAUTHENTICATED"})


class HasScope(BasePermission):
    error_extensions = {"code": "FORBIDDEN"}

    def __init__(self, scope: Scope | None) -> None:
        self.scope = scope
        self.message = f"requires scope {scope.value}" if scope else "authentication required"

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        principal = info.context.principal
        if principal is None or info.context.brand is None:
            raise unauthenticated(info)
        return self.scope is None or principal.has(self.scope.value)


class CustomerOnly(BasePermission):
    """For `me`: only a customer's own token."""

    error_extensions = {"code": "FORBIDDEN"}
    message = "requires a customer token"

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        if info.context.principal is None:
            raise unauthenticated(info)
        return info.context.principal.kind == "customer"


class ScopeOrCustomer(BasePermission):
    """A scope for staff and partners; a customer token passes (services limit it to its own)."""

    error_extensions = {"code": "FORBIDDEN"}

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.message = f"requires scope {scope.value} or a customer token"

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        principal = info.context.principal
        if principal is None or info.context.brand is None:
            raise unauthenticated(info)
        return principal.kind == "customer" or principal.has(self.scope.value)


class AllowAny(BasePermission):
    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return True


class DeclaredPermission(PermissionExtension):
    """A PermissionExtension that writes what it requires into the field's description."""

    def __init__(self, permission: BasePermission, label: str) -> None:
        super().__init__(permissions=[permission], use_directives=False)
        self.label = label

    def apply(self, field: StrawberryField) -> None:
        super().apply(field)
        note = f"Requires: {self.label}."
        if note not in (field.description or ""):  # idempotent: a schema may be built twice
            field.description = f"{field.description}\n\n{note}" if field.description else note


def requires(scope: Scope | None = None) -> list[FieldExtension]:
    """Field extensions for a field that needs a token (and, if given, a scope)."""
    label = f"scope `{scope.value}`" if scope else "any valid token"
    return [DeclaredPermission(HasScope(scope), label)]


def customer_only() -> list[FieldExtension]:
    return [DeclaredPermission(CustomerOnly(), "a customer token")]


def scope_or_customer(scope: Scope) -> list[FieldExtension]:
    """Staff and partners with `scope`, or a customer token acting on its own records only."""
    label = f"scope `{scope.value}`, or a customer token (own records only)"
    return [DeclaredPermission(ScopeOrCustomer(scope), label)]


def public() -> list[FieldExtension]:
    return [DeclaredPermission(AllowAny(), "nothing (public)")]


_MASKS = {"phone": mask_phone, "email": mask_email, "text": mask_text}


class MaskPII(FieldExtension):
    """Masks a personal-data field for principals without `pii:read`; a customer sees their own."""

    def __init__(self, kind: str) -> None:
        self.mask = _MASKS.get(kind)

    def apply(self, field: StrawberryField) -> None:
        note = "Personal data: masked (or null) without scope `pii:read`."
        if note not in (field.description or ""):  # idempotent: a schema may be built twice
            field.description = f"{field.description}\n\n{note}" if field.description else note

    def resolve(self, next_: SyncExtensionResolver, source: Any, info: Info, **kwargs: Any) -> Any:
        return self.resolve_column([next_(source, info, **kwargs)], [source], info)[0]

    def resolve_column(self, values: list[Any], sources: list[Any], info: Info) -> list[Any]:
        """`resolve` for a whole level's values (engine/batched): the scope is checked once."""
        principal = info.context.principal
        if principal is None or principal.has(Scope.PII_READ.value):
            return values
        mask = self.mask
        return [
            value
            if value is None or _is_own_record(source, info)
            else (mask(value) if mask else None)
            for value, source in zip(values, sources, strict=True)
        ]


def _is_own_record(source: Any, info: Info) -> bool:
    """A customer's token unmasks that customer's own profile, never another customer's."""
    principal, brand = info.context.principal, info.context.brand
    model = getattr(source, "model", None)
    return (
        principal is not None
        and brand is not None
        and principal.kind == "customer"
        and isinstance(model, Customer)
        and model.id == principal.subject_id
        and model.brand_id == brand.id
    )
