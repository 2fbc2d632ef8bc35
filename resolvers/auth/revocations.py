"""Tell every worker that a token (or all of a subject's tokens) died, once the change has
committed: their open websockets of it close (auth.live_connections)."""

from __future__ import annotations

from auth.context import Context
from auth.live_connections import Revocation
from resolvers.events.stream import broker_of


async def announce(context: Context, revocation: Revocation) -> None:
    await broker_of(context).publish_notice(revocation.to_json())
