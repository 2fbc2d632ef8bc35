"""A graphql-core executor that completes plain fields without the per-field machinery, and
gives each root mutation field fresh DataLoaders.

graphql-core resolves every field the same way: a Path, a resolve-info object, the resolver
call, an awaitable check and value completion, several microseconds a field. Most fields of a
wide page are plain attributes (strawberry's "basic" fields: no resolver, no extension, no
permission) holding a scalar, an enum, or objects whose own selected fields are all plain (the
edges of a connection whose nodes were built by its resolver). For those this executor reads the
attribute and serialises it, or builds the nested result directly.

Anything else, and any plain field whose value would need an error (null where the schema says
non-null, a value a scalar refuses, an object of the wrong type), goes the standard way: plain
fields have no side effects, so reading one again there yields the result and the located error
graphql-core itself produces.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any
from weakref import WeakMethod

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfoHelpers,
    GraphQLScalarType,
    GraphQLSchema,
    OperationType,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.pyutils import AwaitableOrValue, Path, Undefined
from strawberry.resolvers import is_default_resolver
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from engine.field_facts import per_field, strawberry_field


@dataclass(frozen=True)
class PlainLeaf:
    attribute: str
    serialise: Callable[[Any], Any]
    non_null: bool


@dataclass(frozen=True)
class PlainObject:
    attribute: str
    field_type: GraphQLOutputType  # with its NonNull and List wrappers
    is_type_of: Callable[[Any, Any], Any] | None
    steps: Steps


@dataclass(frozen=True)
class TypeName:
    """`__typename` on an object type: its name (Apollo clients ask for it everywhere)."""

    name: str


Shortcut = PlainLeaf | PlainObject | TypeName
Steps = list[tuple[str, FieldDetailsList, Shortcut | None]]
Plan = tuple[bool, Steps]  # (any shortcut at all, the steps in selection order)
SHARED_PLANS = 2048  # selections whose plans are kept across requests
SharedPlans = dict[tuple[Any, ...], tuple[GroupedFieldSet, Plan]]


def basic_attribute(
    schema: GraphQLSchema, field_def: GraphQLField, details: FieldDetailsList
) -> str | None:
    """The attribute behind a strawberry basic field asked for without arguments or @defer."""
    attribute = per_field(
        schema, "basic_attributes", field_def, lambda: _basic_attribute(field_def)
    )
    if attribute is None or any(d.node.arguments or d.defer_usage is not None for d in details):
        return None
    return attribute


def _basic_attribute(field_def: GraphQLField) -> str | None:
    resolver = field_def.resolve
    if resolver is None or not is_default_resolver(resolver) or field_def.args:
        return None
    definition = strawberry_field(field_def)
    if definition is None or not definition.is_basic_field:
        return None
    return definition.python_name


def weak_async_helpers(executor: Any) -> GraphQLResolveInfoHelpers:
    """graphql-core's helpers for resolvers, holding the executor weakly. Its own hold bound
    methods of the executor, which holds them: a reference cycle, so every request's executor,
    its context and all the context's DataLoaders and loaded rows were freed only by the cyclic
    collector (about 1,400 objects a page, a fifth of a wide page's time in collections)."""
    gather, track = WeakMethod(executor.gather_async_work), WeakMethod(executor.track_async_work)

    def gather_async_work(values: Sequence[Awaitable[Any]]) -> Awaitable[list[Any]]:
        return _alive(gather)(values)  # type: ignore[no-any-return]

    def track_async_work(values: Sequence[Any]) -> None:
        _alive(track)(values)

    return GraphQLResolveInfoHelpers(gather=gather_async_work, track=track_async_work)


def _alive(method: WeakMethod[Callable[..., Any]]) -> Callable[..., Any]:
    bound = method()
    if bound is None:
        raise RuntimeError("the execution is over")
    return bound


def named_type(field_type: GraphQLOutputType) -> Any:
    while isinstance(field_type, GraphQLNonNull | GraphQLList):
        field_type = field_type.of_type
    return field_type


class PlainFieldExecutor(StrawberryGraphQLCoreExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.async_helpers = weak_async_helpers(self)
        # Keyed by the identity of collected field sets (memoised by graphql-core for the whole
        # execution); each value keeps its field set alive so an id is never reused meanwhile.
        self._plans: dict[int, tuple[GroupedFieldSet, Plan]] = {}
        self._is_mutation = self.operation.operation == OperationType.MUTATION
        # A schema extension with a `resolve` hook must see every field: no shortcuts then.
        self._shortcuts_allowed = not (
            self.middleware_manager and self.middleware_manager.middlewares
        )

    def _plan(self, parent_type: GraphQLObjectType, grouped: GroupedFieldSet) -> Plan:
        cached = self._plans.get(id(grouped))
        if cached is not None and cached[0] is grouped:
            return cached[1]
        # Requests of one query share its parsed document, so their selections are the same
        # nodes: the plan is kept per selection (its entry holds the nodes, so their ids are
        # not reused while it lives).
        shared: dict[tuple[Any, ...], tuple[GroupedFieldSet, Plan]] = (
            self.schema.__dict__.setdefault("_shared_plans", {})
        )
        key = (
            parent_type.name,
            self._shortcuts_allowed,
            *(id(d.node) for details in grouped.values() for d in details),
        )
        known = shared.get(key)
        if known is None:
            if len(shared) >= SHARED_PLANS:
                shared.clear()
            known = shared[key] = (grouped, self._new_plan(parent_type, grouped))
        self._plans[id(grouped)] = (grouped, known[1])
        return known[1]

    def _new_plan(self, parent_type: GraphQLObjectType, grouped: GroupedFieldSet) -> Plan:
        steps: Steps = []
        for response_name, details in grouped.items():
            field_name = details[0].node.name.value
            field_def = parent_type.fields.get(field_name)
            shortcut: Shortcut | None = None
            if not self._shortcuts_allowed:
                pass
            elif field_name == "__typename":
                shortcut = TypeName(parent_type.name)
            elif field_def is not None:
                shortcut = self._shortcut(field_def, details)
            steps.append((response_name, details, shortcut))
        return (any(shortcut is not None for _, _, shortcut in steps), steps)

    def _shortcut(self, field_def: GraphQLField, details: FieldDetailsList) -> Shortcut | None:
        attribute = basic_attribute(self.schema, field_def, details)
        if attribute is None:
            return None
        field_type = field_def.type
        named = named_type(field_type)
        if isinstance(named, GraphQLScalarType | GraphQLEnumType):
            if isinstance(field_type, GraphQLList) or (
                isinstance(field_type, GraphQLNonNull)
                and isinstance(field_type.of_type, GraphQLList)
            ):
                return None  # lists of scalars: rare, left to the standard path
            return PlainLeaf(
                attribute, named.coerce_output_value, isinstance(field_type, GraphQLNonNull)
            )
        if not isinstance(named, GraphQLObjectType):
            return None  # interfaces and unions need their runtime type resolved
        grouped, new_defer_usages, *_ = self.collect_subfields(named, details)
        if new_defer_usages:
            return None
        _, steps = self._plan(named, grouped)
        if any(shortcut is None for _, _, shortcut in steps):
            return None
        return PlainObject(attribute, field_type, named.is_type_of, steps)

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path,
        position_context: Any,
    ) -> Any:
        if path.prev is None and self._is_mutation:
            # Root mutation fields run one after another, each seeing what the previous ones
            # wrote: rows the request's loaders cached before this one began may be stale.
            loaders = getattr(self.context_value, "loaders", None)
            if loaders:
                loaders.clear()
        return super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        has_shortcuts, steps = self._plan(parent_type, grouped_field_set)
        if not has_shortcuts:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        results: dict[str, Any] = {}
        rest: GroupedFieldSet = {}
        for response_name, details, shortcut in steps:
            if shortcut is not None:
                value = _shortcut_value(source_value, shortcut)
                if value is not Undefined:
                    results[response_name] = value
                    continue
            rest[response_name] = details
        if not rest:
            return results
        others = super().execute_fields(parent_type, source_value, path, rest, position_context)
        if self.is_awaitable(others):
            return _merged_in_order(steps, results, others)
        return _in_order(steps, results, others)  # type: ignore[arg-type]


def _shortcut_value(source: Any, shortcut: Shortcut) -> Any:
    """The completed value, or Undefined when the standard path must produce an error."""
    try:
        return _field(source, shortcut)
    except Exception:  # the standard path raises the same error, located and reported
        return Undefined


def _field(source: Any, shortcut: Shortcut) -> Any:
    if isinstance(shortcut, PlainLeaf):
        return _leaf(getattr(source, shortcut.attribute), shortcut)
    if isinstance(shortcut, TypeName):
        return shortcut.name
    return _complete(shortcut.field_type, getattr(source, shortcut.attribute), shortcut)


def _leaf(value: Any, leaf: PlainLeaf) -> Any:
    if value is None:
        return Undefined if leaf.non_null else None
    coerced = leaf.serialise(value)
    return Undefined if coerced is None or coerced is Undefined else coerced


def _complete(field_type: GraphQLOutputType, value: Any, plain: PlainObject) -> Any:
    if isinstance(field_type, GraphQLNonNull):
        return Undefined if value is None else _complete(field_type.of_type, value, plain)
    if value is None:
        return None
    if isinstance(field_type, GraphQLList):
        if not isinstance(value, list | tuple):
            return Undefined
        items = []
        for item in value:
            completed = _complete(field_type.of_type, item, plain)
            if completed is Undefined:
                return Undefined
            items.append(completed)
        return items
    if plain.is_type_of is not None and not plain.is_type_of(value, None):
        return Undefined
    result: dict[str, Any] = {}
    for response_name, _, shortcut in plain.steps:
        assert shortcut is not None  # a plain object's fields are all plain
        completed = _field(value, shortcut)
        if completed is Undefined:
            return Undefined
        result[response_name] = completed
    return result


def _in_order(steps: Steps, plain: dict[str, Any], others: dict[str, Any]) -> dict[str, Any]:
    """Responses keep the selection's field order."""
    ordered: dict[str, Any] = {}
    for response_name, _, _ in steps:
        if response_name in plain:
            ordered[response_name] = plain[response_name]
        elif response_name in others:
            ordered[response_name] = others[response_name]
    return ordered


async def _merged_in_order(steps: Steps, plain: dict[str, Any], others: Any) -> dict[str, Any]:
    return _in_order(steps, plain, await others)
