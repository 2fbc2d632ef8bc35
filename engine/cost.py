"""Static query cost: each field costs 1, and a list field's children count `first`/`last` times;
each item of a list given to an argument costs 1 more."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

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
    ListValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValueNode,
    VariableNode,
    get_named_type,
    value_from_ast,
)

from engine.document_limits import fragment_order, fragments_of

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


class Cost(NamedTuple):
    total: int
    longest_list: int  # items in the longest list given to an argument (variables included)
    list_argument: str  # where that list was given ("customers.filter"), "" without lists


def _list_lengths(value: ValueNode, variables: dict[str, Any], consulted: set[str]) -> list[int]:
    """The length of every list inside an argument's value, literal or from variables."""
    lengths: list[int] = []
    pending: list[Any] = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, VariableNode):
            consulted.add(item.name.value)
            pending.append(_Given(variables.get(item.name.value)))
        elif isinstance(item, ListValueNode):
            lengths.append(len(item.values))
            pending.extend(item.values)
        elif isinstance(item, ObjectValueNode):
            pending.extend(f.value for f in item.fields)
        elif isinstance(item, _Given):
            given = item.value
            if isinstance(given, list):
                lengths.append(len(given))
                pending.extend(map(_Given, _containers(given)))
            elif isinstance(given, dict):
                pending.extend(map(_Given, _containers(given.values())))
    return lengths


def _containers(values: Iterable[Any]) -> list[Any]:
    # JSON's values are exact types: a type lookup, not isinstance, keeps a long list of
    # strings (60,000 tags) a few milliseconds
    values = list(values)
    if _CONTAINER_TYPES.isdisjoint(map(type, values)):
        return []
    return [v for v in values if type(v) in _CONTAINER_TYPES]


_CONTAINER_TYPES = frozenset({list, dict})


class _Given(NamedTuple):
    value: Any  # a variable's value (JSON), walked like a literal


class _Walker:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        variables: dict[str, Any],
    ) -> None:
        self.schema, self.fragments, self.variables = schema, fragments, variables
        self.consulted: set[str] = set()  # the variables the cost depends on
        self.longest_list, self.list_argument = 0, ""
        # Each fragment's cost, counted once (after the fragments it spreads) and added at
        # each spread: a fragment spread twice by each of 30 nested fragments costs 2^30
        # without walking 2^30 paths.
        self.fragment_costs: dict[str, int] = {}
        for name in fragment_order(fragments):
            fragment = fragments[name]
            target = schema.get_type(fragment.type_condition.name.value)
            self.fragment_costs[name] = (
                0 if target is None else self.selection_cost(target, fragment.selection_set)
            )

    def selection_cost(
        self, parent: GraphQLNamedType, selection_set: SelectionSetNode | None
    ) -> int:
        if selection_set is None:
            return 0
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self.field_cost(parent, selection)
            elif isinstance(selection, InlineFragmentNode):
                target = parent
                if selection.type_condition is not None:
                    target = self.schema.get_type(selection.type_condition.name.value) or parent
                total += self.selection_cost(target, selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.fragment_costs.get(selection.name.value, 0)
        return total

    def field_cost(self, parent: GraphQLNamedType, node: FieldNode) -> int:
        items = self._list_items(node)
        if not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            return 1 + items
        field = parent.fields.get(node.name.value)
        if field is None:  # __typename and introspection meta-fields
            return 1 + items
        children = self.selection_cost(get_named_type(field.type), node.selection_set)
        return 1 + items + children * _page_size(field, node, self.variables, self.consulted)

    def _list_items(self, node: FieldNode) -> int:
        """The items of the lists given to the field's arguments, each costing 1."""
        items = 0
        for argument in node.arguments or ():
            for length in _list_lengths(argument.value, self.variables, self.consulted):
                items += length
                if length > self.longest_list:
                    self.longest_list = length
                    self.list_argument = f"{node.name.value}.{argument.name.value}"
        return items


@dataclass
class _Remembered:
    document: DocumentNode
    names: tuple[str, ...]  # the variables the cost depends on (page sizes given by variable)
    costs: dict[tuple[Any, ...], Cost] = field(default_factory=dict)


def query_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: dict[str, Any] | None,
) -> Cost:
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
) -> tuple[Cost, set[str]]:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    fragments = fragments_of(document)
    if operation_name:
        operations = [o for o in operations if o.name and o.name.value == operation_name]
    if not operations:
        return Cost(0, 0, ""), set()
    operation = operations[0]
    root = schema.get_root_type(operation.operation)
    if root is None:
        return Cost(0, 0, ""), set()
    walker = _Walker(schema, fragments, variables)
    total = walker.selection_cost(root, operation.selection_set)
    return Cost(total, walker.longest_list, walker.list_argument), walker.consulted
