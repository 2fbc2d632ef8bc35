"""Breaking changes between a published schema and the current one that the deprecation policy
(docs/api-conventions.md, "Deprecation") does not allow.

graphql-core's `find_breaking_changes` lists them; a removal is allowed when the removed field,
input field, argument or enum value was deprecated in the published schema (and the removal
date its reason names, `removal after YYYY-MM-DD`, has passed), and a removed type when every
use of it in the published schema was deprecated or removed with it. Every other breaking change
(a changed type, a new required argument or input field, a type removed from a union...) is
never allowed: add a new field and deprecate the old one instead.
"""

from __future__ import annotations

import re
from datetime import date

from graphql import (
    BreakingChangeType,
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    build_schema,
    find_breaking_changes,
    get_named_type,
)

FIELD = re.compile(r"^Field (\w+)\.(\w+) was removed\.$")
ARG = re.compile(r"^Argument (\w+)\.(\w+)\((\w+):\) was removed\.$")
VALUE = re.compile(r"^Enum value (\w+)\.(\w+) was removed\.$")
TYPE = re.compile(r"^(\w+) was removed\.$")
REMOVAL_DATE = re.compile(r"removal after (\d{4}-\d{2}-\d{2})")


def _due(reason: str | None, today: date) -> bool:
    """Deprecated, and its announced removal date (if any) has come."""
    if reason is None:
        return False
    found = REMOVAL_DATE.search(reason)
    return found is None or date.fromisoformat(found.group(1)) <= today


def _field_reason(schema: GraphQLSchema, type_name: str, field_name: str) -> str | None:
    owner = schema.get_type(type_name)
    if isinstance(owner, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
        field = owner.fields.get(field_name)
        return field.deprecation_reason if field is not None else None
    return None


def _uses(schema: GraphQLSchema, type_name: str) -> list[tuple[str, str | None]]:
    """Where the published schema uses a type: (where, deprecation reason of that use)."""
    found: list[tuple[str, str | None]] = []
    for owner in schema.type_map.values():
        if owner.name.startswith("__"):
            continue
        if isinstance(owner, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            for name, field in owner.fields.items():
                if get_named_type(field.type).name == type_name:
                    found.append((f"{owner.name}.{name}", field.deprecation_reason))
                for arg_name, arg in getattr(field, "args", {}).items():
                    if get_named_type(arg.type).name == type_name:
                        reason = arg.deprecation_reason or field.deprecation_reason
                        found.append((f"{owner.name}.{name}({arg_name}:)", reason))
        if isinstance(owner, GraphQLUnionType) and type_name in [t.name for t in owner.types]:
            found.append((owner.name, None))
        if isinstance(owner, GraphQLObjectType | GraphQLInterfaceType) and type_name in [
            i.name for i in owner.interfaces
        ]:
            found.append((owner.name, None))
    return found


def disallowed_changes(old_sdl: str, new_sdl: str, today: date | None = None) -> list[str]:
    today = today or date.today()
    old, new = build_schema(old_sdl), build_schema(new_sdl)
    changes = find_breaking_changes(old, new)
    removed_types = {
        m.group(1)
        for c in changes
        if c.type == BreakingChangeType.TYPE_REMOVED and (m := TYPE.match(c.description))
    }
    refused: list[str] = []
    for change in changes:
        text = change.description
        allowed = False
        if change.type == BreakingChangeType.FIELD_REMOVED and (m := FIELD.match(text)):
            allowed = _due(_field_reason(old, m.group(1), m.group(2)), today)
        elif change.type == BreakingChangeType.ARG_REMOVED and (m := ARG.match(text)):
            owner = old.get_type(m.group(1))
            field = getattr(owner, "fields", {}).get(m.group(2))
            arg = field.args.get(m.group(3)) if field is not None else None
            allowed = arg is not None and _due(arg.deprecation_reason, today)
        elif change.type == BreakingChangeType.VALUE_REMOVED_FROM_ENUM and (m := VALUE.match(text)):
            enum = old.get_type(m.group(1))
            value = enum.values.get(m.group(2)) if isinstance(enum, GraphQLEnumType) else None
            allowed = value is not None and _due(value.deprecation_reason, today)
        elif change.type == BreakingChangeType.TYPE_REMOVED and text.startswith("Standard scalar"):
            allowed = True  # no longer printed as nothing uses it: clients lose nothing
        elif change.type == BreakingChangeType.TYPE_REMOVED and (m := TYPE.match(text)):
            allowed = all(
                _due(reason, today) or where.split(".")[0].split("(")[0] in removed_types
                for where, reason in _uses(old, m.group(1))
            )
        if not allowed:
            refused.append(f"{change.type.name}: {text}")
    return refused


def undated_deprecations(sdl: str) -> list[str]:
    """Deprecations whose reason does not say what to use instead and when it goes away."""
    schema = build_schema(sdl)
    missing: list[str] = []
    for owner in schema.type_map.values():
        if owner.name.startswith("__"):
            continue
        items: list[tuple[str, str | None]] = []
        if isinstance(owner, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            for name, field in owner.fields.items():
                items.append((f"{owner.name}.{name}", field.deprecation_reason))
                for arg_name, arg in getattr(field, "args", {}).items():
                    items.append((f"{owner.name}.{name}({arg_name}:)", arg.deprecation_reason))
        if isinstance(owner, GraphQLEnumType):
            items += [(f"{owner.name}.{k}", v.deprecation_reason) for k, v in owner.values.items()]
        missing += [w for w, r in items if r is not None and not REMOVAL_DATE.search(r)]
    return missing
