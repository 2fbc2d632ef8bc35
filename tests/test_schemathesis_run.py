"""A bounded schemathesis run (GraphQL mode) over every query and mutation of the schema, once
with a token holding every scope and once with none: no answer may be a server error (HTTP 5xx
or INTERNAL_SERVER_ERROR).

schemathesis generates the documents from the schema (docs/schema.graphql, built in-process),
derandomized so a run is repeatable; the requests go through the ASGI app on the test's own
event loop and database. `CRM_SCHEMATHESIS_EXAMPLES` sets the documents per operation (4: about
1,200 requests, a minute on SQLite).
"""

from __future__ import annotations

import os
from collections import Counter
from functools import cache
from typing import Any

import graphql
import httpx
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis.core.result import Ok
from schemathesis.graphql import nodes

from config import Settings
from schema import printed_sdl
from tests.support import EVERYTHING, app_token, make_brand

EXAMPLES = int(os.environ.get("CRM_SCHEMATHESIS_EXAMPLES") or 4)


def _json_object(fields: dict[str, Any]) -> graphql.ObjectValueNode:
    return nodes.Object(
        [
            graphql.ObjectFieldNode(name=graphql.NameNode(value=key), value=value)
            for key, value in fields.items()
        ]
    )


def _register_scalars() -> None:
    """Our custom scalars (Date and DateTime schemathesis knows): any decimal or text for
    Decimal, small JSON values for JSON."""
    text = st.text(max_size=12).map(nodes.String)
    decimals = st.decimals(allow_nan=False, allow_infinity=False).map(nodes.String)
    schemathesis.graphql.scalar("Decimal", st.one_of(decimals, text))
    keys = st.from_regex(r"\A[a-zA-Z]{1,6}\Z")
    leaves = st.one_of(text, st.integers().map(nodes.Int), st.booleans().map(nodes.Boolean))
    objects = st.dictionaries(keys, leaves, max_size=3).map(_json_object)
    schemathesis.graphql.scalar("JSON", st.one_of(leaves, st.just(nodes.Null), objects))


@cache
def generated_documents(examples: int) -> tuple[tuple[str, str], ...]:
    """(operation, document) pairs: `examples` documents for each root query and mutation."""
    _register_scalars()
    api = schemathesis.graphql.from_file(printed_sdl())
    documents: list[tuple[str, str]] = []
    for result in api.get_all_operations():
        assert isinstance(result, Ok), result.err()
        operation = result.ok()

        @hypothesis_settings(
            max_examples=examples,
            derandomize=True,
            database=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
            deadline=None,
        )
        @given(case=operation.as_strategy())
        def collect(case: Any) -> None:
            documents.append((operation.label, case.body))  # noqa: B023 - called right away

        collect()
    return tuple(documents)


def server_errors(body: Any, status: int) -> list[str]:
    found = [f"HTTP {status}"] if status >= 500 else []
    for item in body if isinstance(body, list) else [body]:
        for error in (item or {}).get("errors") or []:
            if (error.get("extensions") or {}).get("code") == "INTERNAL_SERVER_ERROR":
                found.append(error.get("message", ""))
    return found


async def run_all(http: httpx.AsyncClient, token: str | None) -> dict[str, list[str]]:
    """operation -> the documents that answered a server error."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    failures: dict[str, list[str]] = {}
    answers: Counter[str] = Counter()  # the first error's code, or "data" (shown with -s)
    for label, document in generated_documents(EXAMPLES):
        response = await http.post("/graphql", json={"query": document}, headers=headers)
        body = response.json()
        errors = server_errors(body, response.status_code)
        if errors:
            failures.setdefault(label, []).append(document)
        first = (body.get("errors") or [{}])[0]
        answers[str((first.get("extensions") or {}).get("code", "data"))] += 1
    print(f"schemathesis run, token={'yes' if token else 'no'}: {answers.most_common()}")
    return failures


def summary(failures: dict[str, list[str]]) -> str:
    return "\n".join(f"{label}: {len(docs)}, e.g.\n{docs[0]}" for label, docs in failures.items())


def test_every_query_and_mutation_is_generated() -> None:
    labels = {label for label, _ in generated_documents(EXAMPLES)}
    assert {"Query.customers", "Mutation.tagCustomers", "Mutation.createOffer"} <= labels
    assert len(labels) > 100


async def test_no_server_error_with_every_scope(
    quiet_http: httpx.AsyncClient, settings: Settings
) -> None:
    token = await app_token(settings, await make_brand(), EVERYTHING)
    failures = await run_all(quiet_http, token)
    assert not failures, summary(failures)


async def test_no_server_error_without_a_token(quiet_http: httpx.AsyncClient) -> None:
    await make_brand()
    failures = await run_all(quiet_http, None)
    assert not failures, summary(failures)
