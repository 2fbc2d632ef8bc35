"""The schema's contract: every root field declares its permission; the SDL file is current."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from strawberry.types.base import get_object_definition

import schema
from auth.permissions import DeclaredPermission

SDL_FILE = Path(__file__).resolve().parent.parent / "docs" / "schema.graphql"


def root_fields() -> list[tuple[str, str, list[object]]]:
    built = schema.build_schema()
    found: list[tuple[str, str, list[object]]] = []
    for root in (built.query, built.mutation, built.subscription):
        if root is None:
            continue
        definition = get_object_definition(root, strict=True)
        found.extend((definition.name, f.name, list(f.extensions)) for f in definition.fields)
    return found


def test_there_are_root_fields_to_check() -> None:
    names = {name for _, name, _ in root_fields()}
    assert {"viewer", "login", "revoke_token", "customer", "customers", "node", "brand"} <= names


@pytest.mark.parametrize(
    ("root", "field", "extensions"), root_fields(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_every_root_field_declares_a_permission(
    root: str, field: str, extensions: list[object]
) -> None:
    declared = [e for e in extensions if isinstance(e, DeclaredPermission)]
    assert len(declared) == 1, (
        f"{root}.{field} must declare exactly one permission with auth.permissions.requires(), "
        "customer_only() or public()"
    )


def test_declared_permission_is_documented_in_the_sdl() -> None:
    sdl = schema.printed_sdl()
    assert "Requires: scope `admin`." in sdl
    assert "Requires: nothing (public)." in sdl


def test_docs_schema_is_current() -> None:
    current = schema.printed_sdl()
    stored = SDL_FILE.read_text() if SDL_FILE.exists() else ""
    assert stored == current, (
        "docs/schema.graphql is out of date: run `.venv/bin/crm schema > docs/schema.graphql`"
    )


def test_crm_schema_prints_the_sdl_without_settings_or_files(tmp_path: Path) -> None:
    """`crm schema` is for CI and docs: no database, no JWT secret, nothing written."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    env["PYTHONPATH"] = str(SDL_FILE.parent.parent)
    printed = subprocess.run(
        [sys.executable, "-m", "cli", "schema"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert printed.stdout == SDL_FILE.read_text()
    assert list(tmp_path.iterdir()) == []
