"""Websocket handlers (both subprotocols) whose connections close when their token dies.

Each acknowledged connection registers with the view's `auth.live_connections.LiveConnections`
under its principal; a revocation notice or the periodic re-check calls `revoke`, which stops
the connection's operations and closes it with 4403. A refused `connection_init` closes with
4403 on the legacy protocol too (after its `connection_error` message), as on
graphql-transport-ws.
"""

from __future__ import annotations

import asyncio
from typing import Any

from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from strawberry.subscriptions.protocols.graphql_ws.types import ConnectionInitMessage
from strawberry.types.unset import UnsetType

from auth.context import Context
from auth.live_connections import CLOSE_CODE, LiveConnections


def _live(handler: Any) -> LiveConnections:
    live: LiveConnections = handler.view.live_connections
    return live


def _register(handler: Any) -> None:
    context: Context = handler.context
    if handler.connection_acknowledged and context.principal and context.brand:
        _live(handler).add(handler, context.brand.id, context.principal, handler.revoke)


class RevocableTransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """graphql-transport-ws."""

    async def handle_connection_init(self, message: Any) -> None:
        await super().handle_connection_init(message)
        _register(self)

    async def revoke(self, reason: str) -> None:
        for operation_id in list(self.operations):
            await self.cleanup_operation(operation_id)
        await self.websocket.close(code=CLOSE_CODE, reason=reason)

    async def shutdown(self) -> None:
        _live(self).discard(self)
        await super().shutdown()


class RevocableLegacyWSHandler(BaseGraphQLWSHandler[Context, None]):
    """The legacy graphql-ws (subscriptions-transport-ws) protocol."""

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        payload = message.get("payload")
        if payload is not None and not isinstance(payload, dict):
            await self.send_message({"type": "connection_error"})
            await self.websocket.close(code=1000, reason="")
            return
        self.context.connection_params = payload
        try:
            ack_payload = await self.view.on_ws_connect(self.context)
        except ConnectionRejectionError as exc:
            await self.send_message({"type": "connection_error", "payload": exc.payload})
            await self.websocket.close(code=CLOSE_CODE, reason="Forbidden")
            return
        if isinstance(ack_payload, UnsetType) or ack_payload is None:
            await self.send_message({"type": "connection_ack"})
        else:
            await self.send_message({"type": "connection_ack", "payload": ack_payload})
        self.connection_acknowledged = True
        if self.keep_alive:
            self.keep_alive_task = asyncio.create_task(self.handle_keep_alive())
        _register(self)

    async def revoke(self, reason: str) -> None:
        await self.cleanup()
        await self.websocket.close(code=CLOSE_CODE, reason=reason)

    async def cleanup(self) -> None:
        _live(self).discard(self)
        await super().cleanup()
