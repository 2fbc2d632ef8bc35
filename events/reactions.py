"""Reactions: domain work that follows a committed event, run by the relay once per event.

A reaction runs inside the relay's transaction, in its own savepoint: its writes commit together
with the event being marked as relayed (so exactly once with one relay at a time), and a
reaction that fails is logged and undone alone without holding up the stream of events.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from tortoise.transactions import in_transaction

from events.catalogue import check_type
from events.outbox import Event

log = logging.getLogger("crm.events")

Reaction = Callable[[Event], Awaitable[None]]
REACTIONS: dict[str, list[Reaction]] = {}


def react(event_type: str) -> Callable[[Reaction], Reaction]:
    """Register `reaction` for `event_type` (idempotent: a module imported twice adds it once)."""
    check_type(event_type)

    def register(reaction: Reaction) -> Reaction:
        registered = REACTIONS.setdefault(event_type, [])
        name = (reaction.__module__, reaction.__qualname__)
        if all((r.__module__, r.__qualname__) != name for r in registered):
            registered.append(reaction)
        return reaction

    return register


async def run_reactions(event: Event) -> None:
    for reaction in REACTIONS.get(event.type, ()):
        try:
            async with in_transaction():
                await reaction(event)
        except Exception:
            log.exception("reaction %s to event %s failed", reaction.__qualname__, event.seq)
