"""Subscription events executed once per audience, not once per subscriber.

A worker's broker hands the same `Event` to every subscription of its brand. Subscribers of
one app or one dashboard usually send the same subscription document with the same variables
under the same principal: executing the selection for each of a thousand of them produces a
thousand equal results. This executor keeps an event's error-free results on the event, keyed
by everything the result depends on: the operation (by identity, and the entry holds it, so
the id cannot be reused while the entry lives), the variables, the brand and its time zone,
and the principal (kind, id, brand, scopes). Results with errors are never shared (their
masked messages carry each request's id), nor are results of events read back from the outbox
(each subscriber gets its own copies there). While the first execution of an audience awaits
(a loader's statement), the audience's other subscribers wait for its result; if it fails or
is cancelled, they execute for themselves.
"""

from __future__ import annotations

import asyncio
from typing import Any

from graphql import ExecutionResult, OperationType

from auth.context import Context
from engine.batched import BatchedQueryExecutor
from events.outbox import Event


def audience(context: object) -> tuple[Any, ...] | None:
    """What, besides the operation and its variables, decides an event's result."""
    if not isinstance(context, Context) or context.principal is None or context.brand is None:
        return None
    principal = context.principal
    return (
        context.brand.id,
        context.brand.timezone,
        principal.brand_slug,
        principal.kind,
        principal.subject_id,
        principal.scopes,
    )


class SharedEventExecutor(BatchedQueryExecutor):
    def execute_operation(self, serially: bool | None = None) -> Any:
        event = getattr(self.root_value, "event", None)
        if self.operation.operation != OperationType.SUBSCRIPTION or not isinstance(event, Event):
            return super().execute_operation(serially)
        who = audience(self.context_value)
        if who is None:
            return super().execute_operation(serially)
        key = (id(self.operation), repr(self.variable_values), who)
        shared = event.shared_results.get(key)
        if shared is not None and shared[0] is self.operation:
            if isinstance(shared[1], asyncio.Future):  # the first execution is still running
                return self._after(shared[1], serially)
            return ExecutionResult(data=shared[1])
        result = super().execute_operation(serially)
        if self.is_awaitable(result):
            # Subscribers' tasks all start on the event before the first one's loaders return:
            # the others wait for its result rather than each run the same statements.
            running: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            event.shared_results[key] = (self.operation, running)
            return self._share_when_done(result, event, key, running)
        if isinstance(result, ExecutionResult) and _shareable(result):
            event.shared_results[key] = (self.operation, result.data)
        return result

    async def _share_when_done(
        self, pending: Any, event: Event, key: tuple[Any, ...], running: asyncio.Future[Any]
    ) -> Any:
        data = None
        try:
            result = await pending
            if _shareable(result):
                data = result.data
            return result
        finally:  # errors, cancellation: the waiting subscribers execute for themselves
            if data is None:
                event.shared_results.pop(key, None)
            else:
                event.shared_results[key] = (self.operation, data)
            if not running.done():
                running.set_result(data)

    async def _after(self, running: asyncio.Future[Any], serially: bool | None) -> Any:
        data = await asyncio.shield(running)  # a waiter's cancellation must not cancel it
        if data is not None:
            return ExecutionResult(data=data)
        result = super().execute_operation(serially)
        return await result if self.is_awaitable(result) else result


def _shareable(result: Any) -> bool:
    return isinstance(result, ExecutionResult) and not result.errors and result.data is not None
