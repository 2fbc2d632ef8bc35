"""Strings the database cannot store are refused at the input boundary, before any resolver.

PostgreSQL refuses text with a NUL character (`\\u0000`), whatever the column; SQLite stores it
and truncates it in places. Rather than every resolver guarding every string argument, input
field and filter, a request holding one is refused as a whole with `BAD_USER_INPUT`: string
literals of the document by a validation rule (remembered with the document's validation), the
variables by a request policy, which every transport runs (HTTP, batches, websockets).
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError, StringValueNode, ValidationRule

from engine.request import Checked, Request, RequestPolicy

NUL = "\x00"


def nul_refusal(where: str, nodes: Any = None) -> GraphQLError:
    return GraphQLError(
        f"{where} contains a NUL (\\u0000) character, which no string may hold",
        nodes=nodes,
        extensions={"code": "BAD_USER_INPUT"},
    )


class NulFreeStrings(ValidationRule):
    """Refuses string literals holding NUL, wherever they appear in the document."""

    def enter_string_value(self, node: StringValueNode, *_: Any) -> None:
        if NUL in node.value:
            self.report_error(nul_refusal("A string value", node))


def nul_path(value: Any, path: str) -> str | None:
    """The path to the first string holding NUL within a JSON value (keys too), or None."""
    if isinstance(value, str):
        return path if NUL in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            if NUL in str(key):
                return f"{path} (a key)"
            found = nul_path(item, f"{path}.{key}")
            if found is not None:
                return found
    elif isinstance(value, list):
        try:
            joined = "".join(value)  # a list of strings: one pass in C (60,000 tags)
        except TypeError:
            pass  # not only strings: item by item below
        else:
            if NUL not in joined:
                return None
            return next(f"{path}[{i}]" for i, item in enumerate(value) if NUL in item)
        for index, item in enumerate(value):
            if isinstance(item, str):  # no path built per item: lists of strings can be long
                if NUL in item:
                    return f"{path}[{index}]"
            elif isinstance(item, dict | list):
                found = nul_path(item, f"{path}[{index}]")
                if found is not None:
                    return found
    return None


def variables_refusal(variables: dict[str, Any] | None) -> GraphQLError | None:
    if not variables:
        return None
    for name, value in variables.items():
        found = nul_path(value, f"${name}")
        if found is not None:
            return nul_refusal(f"Variable {found}")
    return None


class NulFreeVariables(RequestPolicy):
    def check(self, request: Request) -> Checked:
        refused = variables_refusal(request.variables)
        return None if refused is None else [refused]
