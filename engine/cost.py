"""Static query cost: each field costs 1, and a list field's children count `first`/`last` times."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    value_from_ast,
)

DEFAULT_PAGE_SIZE = 20
PAGE_ARGUMENTS = ("first", "last")
REMEMBERED_COSTS = 1024  # documents
COSTS_PER_DOCUMENT = 64  # sets of variable values for one document


def _page_size(
    field: GraphQLField, node: FieldNode, variables: dict[str, Any], consulted: set[str]
) -> int:
    size: int | None = None
    for name in PAGE_ARGUMENTS:
        argument = field.args.get(name)
        if argument is None:
            continue
        given = next((a for a in node.arguments or () if a.name.value == name), None)
        if given is not None and isinstance(given.value, VariableNode):
            consulted.add(given.value.name.value)
        value = value_from_ast(given.value, argument.type, variables) if given else None
        if value is None and argument.default_value is not None:
            value = argument.default_value
        if isinstance(value, int):
            size = max(size or 0, value)
        elif size is None:
            size = DEFAULT_PAGE_SIZE
    return 1 if size is None else max(size, 1)


class _Walker:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        variables: dict[str, Any],
    ) -> None:
        self.schema, self.fragments, self.variables = schema, fragments, variables
        self.consulted: set[str] = set()  # the variables the cost depends on

    def selection_cost(
        self, parent: GraphQLNamedType, selection_set: SelectionSetNode | None, seen: frozenset[str]
    ) -> int:
        if selection_set is None:
            return 0
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self.field_cost(parent, selection, seen)
            elif isinstance(selection, InlineFragmentNode):
                target = parent
                if selection.type_condition is not None:
                    target = self.schema.get_type(selection.type_condition.name.value) or parent
                total += self.selection_cost(target, selection.selection_set, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in seen:
                    continue
                target = self.schema.get_type(fragment.type_condition.name.value) or parent
                total += self.selection_cost(target, fragment.selection_set, seen | {name})
        return total

    def field_cost(self, parent: GraphQLNamedType, node: FieldNode, seen: frozenset[str]) -> int:
        if not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            return 1
        field = parent.fields.get(node.name.value)
        if field is None:  # __typename and introspection meta-fields
            return 1
        children = self.selection_cost(get_named_type(field.type), node.selection_set, seen)
        return 1 + children * _page_size(field, node, self.variables, self.consulted)


@dataclass
class _Remembered:
    document: DocumentNode
    names: tuple[str, ...]  # the variables the cost depends on (page sizes given by variable)
    costs: dict[tuple[Any, ...], int] = field(default_factory=dict)


def query_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: dict[str, Any] | None,
) -> int:
    """The operation's cost, remembered per parsed document (the parser cache hands the same
    document to every request of a query) and values of the variables it depends on."""
    variables = variables or {}
    remembered: OrderedDict[tuple[int, str | None], _Remembered] = schema.__dict__.setdefault(
        "_query_costs", OrderedDict()
    )
    key = (id(document), operation_name)
    entry = remembered.get(key)
    if entry is not None and entry.document is document:
        values = tuple(variables.get(name) for name in entry.names)
        try:
            return entry.costs[values]
        except (KeyError, TypeError):  # not seen, or an unhashable value: count it
            pass
    cost, names = _walk(schema, document, operation_name, variables)
    if entry is None or entry.document is not document:
        entry = _Remembered(document, tuple(sorted(names)))
    values = tuple(variables.get(name) for name in entry.names)
    if len(entry.costs) >= COSTS_PER_DOCUMENT:  # page sizes a client varies without end
        entry.costs.clear()
    try:
        entry.costs[values] = cost
    except TypeError:
        return cost
    remembered[key] = entry
    remembered.move_to_end(key)
    while len(remembered) > REMEMBERED_COSTS:
        remembered.popitem(last=False)
    return cost


def _walk(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: dict[str, Any],
) -> tuple[int, set[str]]:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    if operation_name:
        operations = [o for o in operations if o.name and o.name.value == operation_name]
    if not operations:
        return 0, set()
    operation = operations[0]
    root = schema.get_root_type(operation.operation)
    if root is None:
        return 0, set()
    walker = _Walker(schema, fragments, variables)
    return walker.selection_cost(root, operation.selection_set, frozenset()), walker.consulted
