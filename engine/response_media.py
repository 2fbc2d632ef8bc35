"""GraphQL over HTTP: which media type answers a request, and the status and body that go with it.

A client that asks for `application/graphql-response+json` (GraphQL-over-HTTP spec) is answered
in that media type, and a request error (nothing executed: a syntax error, an invalid document,
variables that do not coerce, a refusal before execution) is a 400 without a `data` entry (429
when rate limited). A client that asks only for `application/json`, or for anything (`*/*`, no
Accept), keeps the legacy answer: 200 with `"data": null` (429 when rate limited).
"""

from __future__ import annotations

from typing import Any

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"


def negotiated(accept: str | None) -> str:
    """The media type to answer with: graphql-response+json only when asked for by name, at a
    quality no lower than application/json's."""
    if not accept or "graphql-response" not in accept:
        return JSON
    quality = {GRAPHQL_RESPONSE: 0.0, JSON: 0.0}
    for item in accept.split(","):
        media, *params = (part.strip() for part in item.split(";"))
        media = media.lower()
        if media in quality:
            quality[media] = max(quality[media], _quality(params))
    wanted = quality[GRAPHQL_RESPONSE]
    return GRAPHQL_RESPONSE if wanted > 0 and wanted >= quality[JSON] else JSON


def _quality(params: list[str]) -> float:
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                return min(1.0, max(0.0, float(value)))
            except ValueError:
                return 0.0
    return 1.0


def is_request_error(response: dict[str, Any]) -> bool:
    """Nothing was executed: no data and only errors without a path (field errors have one)."""
    errors = response.get("errors")
    return (
        response.get("data") is None
        and bool(errors)
        and all(not error.get("path") for error in errors)  # type: ignore[union-attr]
    )


def shaped(response: dict[str, Any], media_type: str, rate_limited: bool) -> int:
    """The status for one response in `media_type`; drops its `data` entry on a request error
    when answering graphql-response+json."""
    if rate_limited:
        if media_type == GRAPHQL_RESPONSE:
            response.pop("data", None)
        return 429
    if media_type == GRAPHQL_RESPONSE and is_request_error(response):
        response.pop("data", None)
        return 400
    return 200
