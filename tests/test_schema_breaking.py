"""The schema does not break its clients: compared with the last published docs/schema.graphql
(the one at the merge base with `main`, CRM_PUBLISHED_SCHEMA_REF to choose another), nothing
is removed or changed that was not deprecated first (docs/api-conventions.md, "Deprecation")."""

from __future__ import annotations

import os
import subprocess
from datetime import date
from pathlib import Path

import pytest

import schema
from tests.schema_compat import disallowed_changes, undated_deprecations

ROOT = Path(__file__).resolve().parent.parent
SDL = "docs/schema.graphql"


def _git(*args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=30, check=True
    )
    return done.stdout


def published_sdl() -> str:
    """docs/schema.graphql as last published: at the merge base with main (on main itself, the
    last commit), or at CRM_PUBLISHED_SCHEMA_REF."""
    ref = os.environ.get("CRM_PUBLISHED_SCHEMA_REF")
    try:
        if ref is None:
            try:
                ref = _git("merge-base", "HEAD", "main").strip()
            except subprocess.CalledProcessError:
                ref = "HEAD"
        return _git("show", f"{ref}:{SDL}")
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"no published schema to compare with (git: {exc})")


def test_the_schema_keeps_everything_it_published_or_deprecated_it_first() -> None:
    refused = disallowed_changes(published_sdl(), schema.printed_sdl())
    assert not refused, "breaking changes without deprecation first:\n" + "\n".join(refused)


def test_every_deprecation_says_when_it_goes() -> None:
    assert undated_deprecations(schema.printed_sdl()) == []


OLD = """
type Query {
  customer(id: ID!
    legacy: Boolean @deprecated(reason: "unused; removal after 2020-01-01")): Customer
  kept: String
}
type Customer {
  name: String!
  nick: String @deprecated(reason: "Use name; removal after 2020-01-01")
  later: String @deprecated(reason: "Use name; removal after 2999-01-01")
  age: Int
  card: Card @deprecated(reason: "Use cards; removal after 2020-01-01")
}
type Card { code: String }
enum Level { GOLD SILVER @deprecated(reason: "Use GOLD; removal after 2020-01-01") BRONZE }
input Filter { city: String
  town: String @deprecated(reason: "Use city; removal after 2020-01-01") }
"""


@pytest.mark.parametrize(
    ("new", "refused"),
    [
        (OLD, []),
        (  # deprecated things, due, removed with what only they used: allowed
            OLD.replace(
                '  nick: String @deprecated(reason: "Use name; removal after 2020-01-01")\n', ""
            )
            .replace(
                '  card: Card @deprecated(reason: "Use cards; removal after 2020-01-01")\n', ""
            )
            .replace("type Card { code: String }\n", "")
            .replace(' SILVER @deprecated(reason: "Use GOLD; removal after 2020-01-01")', "")
            .replace(', town: String @deprecated(reason: "Use city; removal after 2020-01-01")', "")
            .replace(
                ', legacy: Boolean @deprecated(reason: "unused; removal after 2020-01-01")', ""
            ),
            [],
        ),
        (OLD.replace("  age: Int\n", ""), ["FIELD_REMOVED: Field Customer.age was removed."]),
        (
            OLD.replace(
                '  later: String @deprecated(reason: "Use name; removal after 2999-01-01")\n', ""
            ),
            ["FIELD_REMOVED: Field Customer.later was removed."],
        ),
        (
            OLD.replace("age: Int", "age: String"),
            ["FIELD_CHANGED_KIND: Field Customer.age changed type from Int to String."],
        ),
        (
            OLD.replace("kept: String", "kept(since: Int!): String"),
            ["REQUIRED_ARG_ADDED: A required argument Query.kept(since:) was added."],
        ),
        (
            OLD.replace("enum Level { GOLD", "enum Level {"),
            ["VALUE_REMOVED_FROM_ENUM: Enum value Level.GOLD was removed."],
        ),
        (
            OLD.replace("input Filter { city: String", "input Filter { city: String zip: String!"),
            ["REQUIRED_INPUT_FIELD_ADDED: A required field Filter.zip was added."],
        ),
    ],
)
def test_the_policy_refuses_what_was_not_deprecated_first(new: str, refused: list[str]) -> None:
    assert disallowed_changes(OLD, new, today=date(2026, 6, 1)) == refused


def test_a_deprecation_without_a_removal_date_is_reported() -> None:
    sdl = 'type Query { a: String @deprecated(reason: "Use b"), b: String }'
    assert undated_deprecations(sdl) == ["Query.a"]
