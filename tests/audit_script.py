"""The scripted session's caller: each mutation in its own request, with its own request id, that
must succeed (no top-level errors, no payload errors). tests/test_audit_session.py runs every
mutation through it, by domain (tests/audit_script_<domain>.py); tests/test_event_schemas.py
reuses the domain scripts to emit their events."""

from __future__ import annotations

from typing import Any

from tests.support import GraphQL

ERRORS = "errors { field code message }"


class Session:
    def __init__(self, gql: GraphQL, token: str) -> None:
        self.gql, self.token = gql, token
        self.run: dict[str, tuple[str, str]] = {}  # mutation -> (request id, actor kind)

    async def call(
        self, name: str, query: str, token: str | None = "admin", **variables: Any
    ) -> Any:
        """Run `name` as `query` with the session's app token ("admin"), another token or none."""
        bearer = self.token if token == "admin" else token
        headers = {"X-Request-ID": f"session-{name}"}
        if bearer:
            headers["Authorization"] = f"Bearer {bearer}"
        response = await self.gql.http.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )
        body = response.json()
        assert not body.get("errors"), (name, body)
        payload = body["data"][name]
        assert payload.get("errors", []) == [], (name, payload)
        self.run[name] = headers["X-Request-ID"], "app" if token == "admin" else "other"
        return payload

    async def do(
        self,
        name: str,
        input_type: str,
        values: dict[str, Any],
        picks: str = "",
        token: str | None = "admin",
    ) -> Any:
        """`name(input: values) { picks errors }`."""
        query = (
            f"mutation($input: {input_type}!) {{ {name}(input: $input) {{ {picks} {ERRORS} }} }}"
        )
        return await self.call(name, query, token, input=values)

    async def read(self, query: str, **variables: Any) -> Any:
        return await self.gql.data(query, variables, self.token)
