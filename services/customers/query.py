"""Listing customers: filters and orderings, all inside one brand."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from tortoise.expressions import Q, Subquery
from tortoise.functions import Count
from tortoise.queryset import QuerySet, ValuesQuery

from models import Customer, CustomerExternalId, CustomerTag
from models.rows import fetch_models
from services.attributes import filters as attribute_filters
from services.attributes.filters import AttributeCondition
from services.common.pagination import (
    DEFAULT_PAGE_SIZE,
    Page,
    PageRequest,
    page_from_start,
    paginate,
)
from services.customers.normalize import try_normalize_phone
from services.loyalty.filters import loyalty_filters
from services.privacy import sealing

ORDER_FIELDS = {"CREATED_AT": "created_at", "UPDATED_AT": "updated_at", "NAME": "name"}


@dataclass(frozen=True)
class CustomerFilter:
    search: str | None = None
    tags: list[str] = field(default_factory=list)
    city: str | None = None
    gender: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    external_system: str | None = None
    external_id: str | None = None
    tier: str | None = None
    lifecycle_stage: str | None = None
    value_tier: str | None = None
    attributes: tuple[AttributeCondition, ...] = ()


def _search(term: str, phone_region: str, sealed: bool) -> Q:
    """Name, email or phone; a phone in any format matches its E.164 form. Sealed phone and
    email cannot be searched by a part: for a brand that encrypts them, only a whole phone or
    email matches (by its lookup hash), the name still by a part."""
    phone = try_normalize_phone(term, phone_region)
    if sealed:
        match = Q(name__icontains=term)
        if phone is not None:
            match |= sealing.lookup("phone", phone, sealed)
        if "@" in term:
            match |= sealing.lookup("email", term.lower(), sealed)
        return match
    match = Q(name__icontains=term) | Q(email__icontains=term) | Q(phone__contains=term)
    if phone is not None:
        match |= Q(phone=phone)
    return match


def _holding_all(brand_id: int, tags: list[str]) -> ValuesQuery[Literal[False]]:
    """The customers holding every tag: one statement, one IN list, whatever the number of
    tags (a customer holds a tag once: unique (customer, tag))."""
    return (
        CustomerTag.filter(brand_id=brand_id, tag__in=tags)
        .annotate(held=Count("id"))
        .group_by("customer_id")
        .filter(held=len(tags))
        .values("customer_id")
    )


def filtered(
    brand_id: int, phone_region: str, spec: CustomerFilter, sealed: bool = False
) -> QuerySet[Customer]:
    query = Customer.filter(brand_id=brand_id, erased_at=None)
    if spec.search and spec.search.strip():
        query = query.filter(_search(spec.search.strip(), phone_region, sealed))
    if spec.tags:
        query = query.filter(id__in=Subquery(_holding_all(brand_id, sorted(set(spec.tags)))))
    if spec.city:
        query = query.filter(city=spec.city)
    if spec.gender:
        query = query.filter(gender=spec.gender)
    if spec.created_from:
        query = query.filter(created_at__gte=spec.created_from)
    if spec.created_to:
        query = query.filter(created_at__lt=spec.created_to)
    if spec.external_id:
        holders = CustomerExternalId.filter(brand_id=brand_id, external_id=spec.external_id)
        if spec.external_system:
            holders = holders.filter(system=spec.external_system)
        query = query.filter(id__in=Subquery(holders.values("customer_id")))
    query = attribute_filters.apply(query, spec.attributes)
    return loyalty_filters(brand_id, query, spec.tier, spec.lifecycle_stage, spec.value_tier)


async def list_customers(
    brand_id: int,
    phone_region: str,
    spec: CustomerFilter,
    page: PageRequest,
    order_by: str = "CREATED_AT",
    descending: bool = True,
    sealed: bool = False,
) -> Page[Customer]:
    field_name = ORDER_FIELDS[order_by]
    if (
        spec == CustomerFilter()
        and page.after is None
        and page.before is None
        and page.last is None
    ):
        return await _first_page_of_all(brand_id, field_name, descending, page)
    query = filtered(brand_id, phone_region, spec, sealed)
    return await paginate(query, field_name, descending, page, is_datetime=field_name != "name")


async def _first_page_of_all(
    brand_id: int, field_name: str, descending: bool, page: PageRequest
) -> Page[Customer]:
    """A list's usual read, all the brand's customers from the start, with one plain SELECT:
    the page and cursors `paginate` gives, without the ORM's query builder."""
    page.validate()
    limit = DEFAULT_PAGE_SIZE if page.first is None else page.first
    direction = "DESC" if descending else "ASC"
    rows = await fetch_models(
        Customer,
        f"SELECT * FROM {Customer._meta.db_table} WHERE brand_id = ? AND erased_at IS NULL "
        f"ORDER BY {field_name} {direction}, id {direction} LIMIT ?",
        [brand_id, limit + 1],
    )
    return page_from_start(rows, limit, field_name, descending)


async def count_customers(
    brand_id: int, phone_region: str, spec: CustomerFilter, sealed: bool = False
) -> int:
    return await filtered(brand_id, phone_region, spec, sealed).count()
