from __future__ import annotations

from typing import TYPE_CHECKING, Any

from graphql import GraphQLError

from auth.context import Context
from resolvers.errors import bad_input
from resolvers.ids import BadGlobalId, decode_id
from resolvers.segments.rules import from_api
from services.common.errors import DomainError
from services.common.pagination import Page, PageRequest, PaginationError
from services.segments import reads, segments

if TYPE_CHECKING:
    from models import Customer, Segment


def segment_pk(global_id: str) -> int:
    try:
        return decode_id(global_id, "Segment")
    except BadGlobalId as exc:
        raise bad_input(str(exc)) from exc


async def segment_by_id(context: Context, pk: int) -> Segment | None:
    return await reads.segment_in_brand(context.require_brand().id, pk)


async def segment(context: Context, global_id: str) -> Segment | None:
    return await segment_by_id(context, segment_pk(global_id))


async def segment_list(context: Context, page: PageRequest) -> Page[Segment]:
    try:
        return await reads.segment_page(context.require_brand().id, page)
    except PaginationError as exc:
        raise bad_input(str(exc)) from exc


async def segment_count(context: Context) -> int:
    return await reads.segment_count(context.require_brand().id)


async def size(context: Context, rule: dict[str, Any]) -> int:
    return await segments.size(context.require_brand().id, rule)


async def members(context: Context, rule: dict[str, Any], page: PageRequest) -> Page[Customer]:
    try:
        return await segments.members(context.require_brand().id, rule, page)
    except PaginationError as exc:
        raise bad_input(str(exc)) from exc


def preview_rule(raw: Any) -> dict[str, Any]:
    """The canonical rule to preview; a malformed one is a top-level error naming each node."""
    try:
        return segments.parse_rule(from_api(raw))
    except DomainError as exc:
        fields = [
            {"field": e.field, "code": e.code.value, "message": e.message} for e in exc.errors
        ]
        message = "; ".join(e.message for e in exc.errors)
        raise GraphQLError(
            message, extensions={"code": "BAD_USER_INPUT", "fields": fields}
        ) from exc
