from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from strawberry.exceptions import StrawberryGraphQLError

from auth.context import Context
from auth.scopes import Scope
from resolvers.errors import bad_input
from resolvers.first_rows import FirstRows, first_rows
from resolvers.ids import BadGlobalId, decode_id
from resolvers.offers import loaders
from resolvers.results import MutationResult, run
from resolvers.stores.refs import cart_with_store_code
from services.common.pagination import (
    Page,
    PageRequest,
    PaginationError,
    decode_cursor,
    encode_cursor,
)
from services.loyalty.config import utcnow
from services.offers import coupons, reads
from services.offers import eligibility as offer_eligibility
from services.offers.coupons import Cart, Quote
from services.offers.reads import COUPON_ORDER

if TYPE_CHECKING:
    from models import Customer
    from models.offers import Coupon, Offer


@dataclass(frozen=True)
class OfferFilter:
    kind: str | None = None
    active: bool | None = None
    trigger: str | None = None


def decode_query_id(global_id: str, type_name: str) -> int:
    try:
        return decode_id(global_id, type_name)
    except BadGlobalId as exc:
        raise bad_input(str(exc)) from exc


def check_can_see_coupons(context: Context, customer: Customer) -> None:
    """Staff and partners need offers:read; a customer sees only their own coupons."""
    principal = context.principal
    if principal is None:
        return
    if principal.kind == "customer" and principal.subject_id == customer.id:
        return
    if not principal.has(Scope.OFFERS_READ.value):
        raise StrawberryGraphQLError(
            f"requires scope {Scope.OFFERS_READ.value}", extensions={"code": "FORBIDDEN"}
        )


async def offer(context: Context, global_id: str) -> Offer | None:
    pk = decode_query_id(global_id, "Offer")
    return await loaders.offer_by_id(context, context.require_brand().id, pk)


async def offer_model(context: Context, offer_id: int) -> Offer | None:
    return await reads.offer_in_brand(context.require_brand().id, offer_id)


async def offers(context: Context, spec: OfferFilter, page: PageRequest) -> Page[Offer]:
    brand_id = context.require_brand().id
    try:
        return await reads.offer_page(brand_id, spec.kind, spec.active, spec.trigger, page)
    except PaginationError as exc:
        raise bad_input(str(exc)) from exc


async def coupons_of(
    context: Context, customer: Customer, status: str | None, page: PageRequest
) -> Page[Coupon]:
    check_can_see_coupons(context, customer)
    now = utcnow()  # an ISSUED coupon past its expiry already reads as EXPIRED
    if _first_page_of_a_list(status, page):
        (found,) = await _first_coupons(context, [customer], status, page, now)
        return found.page()
    try:
        return await reads.coupon_page(customer.brand_id, customer.id, status, now, page)
    except PaginationError as exc:
        raise bad_input(str(exc)) from exc


async def coupons_of_each(
    context: Context, customers: Sequence[Customer], status: str | None, page: PageRequest
) -> list[Page[Coupon]] | list[FirstRows[Coupon]]:
    """`coupons_of` for a list of customers at once: a list's usual read (the first page of
    all or usable coupons) as rows, read by the executor (schema/offers/types `COUPON_PAGE`)."""
    for customer in customers:
        check_can_see_coupons(context, customer)
    if _first_page_of_a_list(status, page):
        return await _first_coupons(context, customers, status, page, utcnow())
    return list(await asyncio.gather(*(coupons_of(context, c, status, page) for c in customers)))


def _first_page_of_a_list(status: str | None, page: PageRequest) -> bool:
    """A list's usual read, batched across its customers."""
    no_cursor = page.after is None and page.before is None and page.last is None
    return no_cursor and status in (None, "ISSUED")


async def _first_coupons(
    context: Context,
    customers: Sequence[Customer],
    status: str | None,
    page: PageRequest,
    now: datetime,
) -> list[FirstRows[Coupon]]:
    """The rows of the pages `paginate` gives, without a statement per customer."""
    try:
        page.validate()
    except PaginationError as exc:
        raise bad_input(str(exc)) from exc
    size = 20 if page.first is None else page.first
    keys = [(c.brand_id, c.id) for c in customers]
    if status is None:
        found = await loaders.newest_coupons_of(context, keys, size + 1)
    else:
        found = await loaders.usable_coupons_of(context, keys, now)
    return [first_rows(rows, size, *COUPON_ORDER) for rows in found]


async def available_offers(context: Context, customer: Customer, page: PageRequest) -> Page[Offer]:
    """Eligible offers in id order, paginated in memory (a brand runs few offers at once)."""
    check_can_see_coupons(context, customer)
    try:
        page.validate()
        after = decode_cursor(page.after, "id:asc", False)[1] if page.after else 0
    except PaginationError as exc:
        raise bad_input(str(exc)) from exc
    found = await offer_eligibility.available_offers(context.require_brand(), customer)
    rest = [o for o in found if o.id > after]
    size = 20 if page.first is None else page.first
    items = [(encode_cursor("id:asc", o.id, o.id), o) for o in rest[:size]]
    return Page(items, has_next_page=len(rest) > size, has_previous_page=after > 0)


async def validate_coupon(context: Context, code: str, cart: Cart) -> MutationResult[Quote]:
    async def operation() -> Quote:
        with_code = await cart_with_store_code(context.actor.brand_id, cart)
        return await coupons.validate_coupon(context.actor, code, with_code)

    return await run(operation())


async def purchase_coupons(context: Context, brand_id: int, purchase_id: int) -> list[Coupon]:
    return await loaders.purchase_coupons(context, brand_id, purchase_id)


def coupon_statuses(coupons: Sequence[Coupon]) -> list[str]:
    """Each coupon's status, EXPIRED as soon as an issued coupon's expiry passes (before the
    nightly job)."""
    now = utcnow()
    return [
        "EXPIRED"
        if c.status == "ISSUED" and c.expires_at is not None and c.expires_at <= now
        else c.status
        for c in coupons
    ]
