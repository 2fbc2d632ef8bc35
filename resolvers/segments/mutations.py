from __future__ import annotations

from typing import TYPE_CHECKING, Any

from auth.context import Context
from resolvers.results import MutationResult, decode_or_error, run
from resolvers.segments.rules import from_api
from services.segments import segments
from services.segments.segments import SegmentSpec

if TYPE_CHECKING:
    from models import Segment


async def create(
    context: Context, name: str, description: str, rule: Any
) -> MutationResult[Segment]:
    async def operation() -> Segment:
        spec = SegmentSpec(name=name, description=description, rule=from_api(rule))
        return await segments.create_segment(context.actor, spec)

    return await run(operation())


async def update(
    context: Context, global_id: str, name: str | None, description: str | None, rule: Any
) -> MutationResult[Segment]:
    async def operation() -> Segment:
        pk = decode_or_error(global_id, "Segment", "id")
        spec = SegmentSpec(
            name=name, description=description, rule=None if rule is None else from_api(rule)
        )
        return await segments.update_segment(context.actor, pk, spec)

    return await run(operation())


async def delete(context: Context, global_id: str) -> MutationResult[None]:
    async def operation() -> None:
        pk = decode_or_error(global_id, "Segment", "id")
        await segments.delete_segment(context.actor, pk)

    return await run(operation())
