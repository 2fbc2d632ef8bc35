"""Depth, alias and size limits measured in one pass, each fragment once.

strawberry's depth and alias limiters walk every path through the fragments: a document whose
fragments each spread the next one twice (30 fragments, 800 bytes) took them 2^30 steps. Here a
fragment's shape (depth, aliases, fields with fragments inlined) is measured once, after the
fragments it spreads, and a spread adds that shape: time linear in the document, while the
counts are those of the document with its fragments inlined (2^30 fields for that document,
which the field limit refuses as QUERY_TOO_COMPLEX).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from graphql import (
    ASTValidationRule,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
)


@dataclass(frozen=True)
class Shape:
    depth: int  # nested selections below, as strawberry's QueryDepthLimiter counts them
    aliases: int  # aliased fields, fragments inlined
    fields: int  # fields, fragments inlined


EMPTY = Shape(0, 0, 0)


def fragment_order(fragments: dict[str, FragmentDefinitionNode]) -> list[str]:
    """Fragment names, each after the fragments it spreads (cycles broken anywhere; the
    NoFragmentCycles rule refuses them). Iterative: a chain of fragments may be long."""
    order: list[str] = []
    state: dict[str, int] = {}  # 1 while its spreads are being ordered, 2 once placed
    for root in fragments:
        if root in state:
            continue
        state[root] = 1
        stack: list[tuple[str, Iterator[str]]] = [(root, spreads(fragments[root].selection_set))]
        while stack:
            name, pending = stack[-1]
            child = next(pending, None)
            if child is None:
                stack.pop()
                state[name] = 2
                order.append(name)
            elif child in fragments and child not in state:
                state[child] = 1
                stack.append((child, spreads(fragments[child].selection_set)))
    return order


def spreads(selection_set: SelectionSetNode | None) -> Iterator[str]:
    """The names of the fragments spread anywhere inside the selection set."""
    pending = [selection_set] if selection_set is not None else []
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FragmentSpreadNode):
                yield selection.name.value
            elif selection.selection_set is not None:  # type: ignore[attr-defined]
                pending.append(selection.selection_set)  # type: ignore[attr-defined]


def fragments_of(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}


def measure(document: DocumentNode) -> list[tuple[OperationDefinitionNode, Shape]]:
    """Each operation's shape with its fragments inlined."""
    fragments = fragments_of(document)
    shapes: dict[str, Shape] = {}
    for name in fragment_order(fragments):
        shapes[name] = _shape(fragments[name].selection_set, shapes)
    return [
        (d, _shape(d.selection_set, shapes))
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode)
    ]


def _shape(selection_set: SelectionSetNode | None, fragments: dict[str, Shape]) -> Shape:
    if selection_set is None:
        return EMPTY
    depth = aliases = fields = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            inner = _shape(selection.selection_set, fragments)
            fields += 1 + inner.fields
            aliases += inner.aliases + (selection.alias is not None)
            if selection.selection_set is not None and not selection.name.value.startswith("__"):
                depth = max(depth, 1 + inner.depth)
            continue
        if isinstance(selection, InlineFragmentNode):
            inner = _shape(selection.selection_set, fragments)
        elif isinstance(selection, FragmentSpreadNode):
            inner = fragments.get(selection.name.value, EMPTY)  # unknown: another rule says so
        else:  # pragma: no cover - graphql-core has no other selection kind
            continue
        depth = max(depth, inner.depth)
        aliases += inner.aliases
        fields += inner.fields
    return Shape(depth, aliases, fields)


def document_limits_rule(max_depth: int, max_aliases: int, max_fields: int) -> type[Any]:
    """A validation rule refusing documents past the limits, with a code on each error."""

    class DocumentLimits(ASTValidationRule):
        linear = True  # engine.validation runs it first, on the event loop

        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            aliases = 0
            for operation, shape in measure(context.document):
                name = operation.name.value if operation.name else "anonymous"
                aliases += shape.aliases
                if shape.depth > max_depth:
                    context.report_error(
                        GraphQLError(
                            f"'{name}' exceeds maximum operation depth of {max_depth}",
                            operation,
                            extensions={"code": "QUERY_TOO_DEEP", "maxDepth": max_depth},
                        )
                    )
                if shape.fields > max_fields:
                    context.report_error(
                        GraphQLError(
                            f"'{name}' selects {shape.fields} fields with its fragments"
                            f" inlined; the limit is {max_fields}",
                            operation,
                            extensions={"code": "QUERY_TOO_COMPLEX", "maxFields": max_fields},
                        )
                    )
            if aliases > max_aliases:
                context.report_error(
                    GraphQLError(
                        f"{aliases} aliases found. Allowed: {max_aliases}",
                        extensions={"code": "TOO_MANY_ALIASES", "maxAliases": max_aliases},
                    )
                )

    return DocumentLimits
