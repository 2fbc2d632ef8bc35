"""Queries executed level by level: each field resolved once per list of objects, not per object.

graphql-core executes a selection depth first, object by object: for a page of 50 customers
each with a membership and a ledger, every field of every object goes through a Path, a
resolve-info object, argument coercion, an awaitable check and a coroutine of value
completion. This executor takes a query's selection breadth first instead. At each level it
holds the whole list of parent objects: a plain attribute is read for all of them in one
comprehension, a resolver gets one resolve-info and one set of coerced arguments for all of
them, the awaitables of every resolver of the level are gathered together (so their
DataLoaders still batch into one statement each), and the values are completed type by type,
the objects among them as the next level. A resolver with a batch version
(`engine/batch_resolvers.batch_resolver`) is called once for the whole level instead, and may
answer plain rows that the next level reads column by column (`engine/row_sources`).

It produces what the standard executor produces only on the way where nothing goes wrong, and
it knows it: any error (a resolver raising, a refused permission, null in a non-null field, a
value its scalar refuses, an object of the wrong type) abandons the attempt and the operation is
executed again the standard way, which produces the located errors and the partial data the
specification asks for. Queries have no side effects, so running their resolvers twice changes
nothing but the time of a failing request. Operations it cannot take at all go the standard way
from the start: mutations and subscriptions, @defer and @stream, interfaces and unions (their
runtime types), introspection, and schemas with a `resolve` extension hook.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from graphql import (
    GraphQLField,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    OperationType,
    TypeNameMetaFieldDef,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.execution.values import get_argument_values
from graphql.language import FieldNode
from graphql.pyutils import AwaitableOrValue, Path, Undefined
from strawberry.schema.schema_converter import get_arguments
from strawberry.types.cast import TYPE_CAST_ATTRIBUTE
from strawberry.types.field import StrawberryField

from engine.batch_resolvers import (
    ColumnExtension,
    WholeColumn,
    accepted_classes,
    column_extensions,
    direct_resolver,
)
from engine.columns import Abandon, as_list, close_all, complete_leaves, row_builder, split
from engine.execution import PlainFieldExecutor, basic_attribute, named_type
from engine.row_sources import RowSource, built, is_row_of, readable_name, row_source_of
from models.pinned import pinned_connection

UNBATCHABLE_DIRECTIVES = frozenset({"defer", "stream"})


@dataclass(frozen=True, slots=True)
class Step:
    key: str
    field_def: GraphQLField
    details: FieldDetailsList
    nodes: list[FieldNode]
    attribute: str | None  # a plain attribute: read it, no resolver
    typename: str | None  # `__typename`
    leaves_only: bool  # the type holds no object: completed without awaiting
    # A plain attribute whose field extensions work on whole columns (e.g. masking PII).
    column: tuple[str, tuple[ColumnExtension, ...], StrawberryField] | None = None


class BatchedQueryExecutor(PlainFieldExecutor):
    batch_queries = True  # a subclass can turn it off (tests compare both ways)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._steps: dict[int, tuple[GroupedFieldSet, list[Step]]] = {}

    def execute_operation(self, serially: bool | None = None) -> Any:
        if self.operation.operation != OperationType.QUERY:
            return super().execute_operation(serially)
        return self._on_pinned_connection(serially)

    async def _on_pinned_connection(self, serially: bool | None) -> Any:
        """A query's statements on one pooled connection, taken once (`models/pinned`)."""
        async with pinned_connection():
            result = super().execute_operation(serially)
            return await result if self.is_awaitable(result) else result

    def execute_root_grouped_field_set(
        self,
        root_type: GraphQLObjectType,
        root_value: Any,
        grouped_field_set: GroupedFieldSet,
        serially: bool,
        position_context: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        if (
            serially
            or not self.batch_queries
            or self.operation.operation != OperationType.QUERY
            or not self._shortcuts_allowed
            or self.abort_signal is not None
            or not self._batchable(root_type, grouped_field_set)
        ):
            return super().execute_root_grouped_field_set(
                root_type, root_value, grouped_field_set, serially, position_context
            )
        return self._batched_or_standard(root_type, root_value, grouped_field_set, position_context)

    async def _batched_or_standard(
        self,
        root_type: GraphQLObjectType,
        root_value: Any,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> dict[str, Any]:
        try:
            (data,) = await self._level(root_type, [root_value], grouped_field_set)
            return data
        except Exception:
            pass
        standard = super().execute_root_grouped_field_set(
            root_type, root_value, grouped_field_set, False, position_context
        )
        return await standard if self.is_awaitable(standard) else standard  # type: ignore[misc,return-value]

    def _batchable(self, parent_type: GraphQLObjectType, grouped: GroupedFieldSet) -> bool:
        for details in grouped.values():
            field_name = details[0].node.name.value
            if field_name == "__typename":
                continue
            field_def = parent_type.fields.get(field_name)
            if field_def is None or field_name.startswith("__"):
                return False
            for detail in details:
                if detail.defer_usage is not None or any(
                    d.name.value in UNBATCHABLE_DIRECTIVES for d in detail.node.directives or ()
                ):
                    return False
            named = named_type(field_def.type)
            if isinstance(named, GraphQLObjectType):
                sub_grouped, new_defer_usages, *_ = self.collect_subfields(named, details)
                if new_defer_usages or not self._batchable(named, sub_grouped):
                    return False
            elif not isinstance(named, GraphQLLeafType):
                return False  # interfaces and unions: runtime types, the standard way
        return True

    def _plan_level(self, parent_type: GraphQLObjectType, grouped: GroupedFieldSet) -> list[Step]:
        cached = self._steps.get(id(grouped))
        if cached is not None and cached[0] is grouped:
            return cached[1]
        steps = []
        for key, details in grouped.items():
            field_name = details[0].node.name.value
            if field_name == "__typename":
                field_def = TypeNameMetaFieldDef
                steps.append(
                    Step(key, field_def, details, [], None, parent_type.name, leaves_only=True)
                )
                continue
            field_def = parent_type.fields[field_name]
            attribute = basic_attribute(self.schema, field_def, details)
            column = None
            if attribute is None and not any(d.node.arguments for d in details):
                column = column_extensions(field_def, self.schema)
            steps.append(
                Step(
                    key,
                    field_def,
                    details,
                    [d.node for d in details],
                    attribute,
                    None,
                    leaves_only=isinstance(named_type(field_def.type), GraphQLLeafType),
                    column=column,
                )
            )
        self._steps[id(grouped)] = (grouped, steps)
        return steps

    async def _level(
        self, parent_type: GraphQLObjectType, sources: list[Any], grouped: GroupedFieldSet
    ) -> list[dict[str, Any]]:
        steps = self._plan_level(parent_type, grouped)
        rows, names = self._rows(parent_type, steps, sources)
        if rows is None:
            sources = built(parent_type, sources, self.context_value)
        columns: list[list[Any]] = []
        awaiting: list[tuple[list[Any], int, Any]] = []
        is_awaitable = self.is_awaitable
        try:
            for position, step in enumerate(steps):
                if step.typename is not None:
                    columns.append([step.typename] * len(sources))
                elif rows is not None:
                    columns.append(rows.read(names[position], sources, self.context_value))
                elif step.attribute is not None:
                    columns.append(list(map(attrgetter(step.attribute), sources)))
                elif step.column is not None:
                    columns.append(self._extended_column(parent_type, step, sources))
                else:
                    column = self._resolve_all(parent_type, step, sources)
                    if isinstance(column, WholeColumn):
                        awaiting.append((columns, len(columns), column.values))
                        columns.append([])
                        continue
                    columns.append(column)
                    for index, value in enumerate(column):
                        if is_awaitable(value):
                            awaiting.append((column, index, value))
        except BaseException:
            close_all(value for _, _, value in awaiting)  # never awaited: no warnings
            raise
        if awaiting:
            settled = await asyncio.gather(*(a for _, _, a in awaiting), return_exceptions=True)
            for (column, index, _), value in zip(awaiting, settled, strict=True):
                if isinstance(value, BaseException):
                    raise Abandon from value
                column[index] = value
            for column in columns:  # a batch resolver must answer a list, one value a parent
                if not isinstance(column, list) or len(column) != len(sources):
                    raise Abandon
        for position, step in enumerate(steps):
            if step.leaves_only and step.typename is None:
                columns[position] = complete_leaves(step.field_def.type, columns[position])
        objects = [position for position, step in enumerate(steps) if not step.leaves_only]
        if objects:
            done = await asyncio.gather(
                *(self._complete(steps[p].field_def.type, steps[p], columns[p]) for p in objects),
                return_exceptions=True,
            )
            for position, completed in zip(objects, done, strict=True):
                if isinstance(completed, BaseException):
                    raise Abandon from completed
                columns[position] = completed
        return list(map(row_builder(tuple(step.key for step in steps)), *columns))

    def _rows(
        self, parent_type: GraphQLObjectType, steps: list[Step], sources: list[Any]
    ) -> tuple[RowSource | None, list[Any]]:
        """The row source to read the level from (engine/row_sources), with each step's field
        name, when the sources are rows of one registered class and every selected field has a
        reader; else (None, [])."""
        source = row_source_of(parent_type, sources)
        if source is None:
            return None, []
        names: list[Any] = []
        for step in steps:
            name = None if step.typename else readable_name(step.field_def, self.schema)
            if step.typename is None and name not in source.readers:
                return None, []
            names.append(name)
        return source, names

    def _resolve_all(
        self, parent_type: GraphQLObjectType, step: Step, sources: list[Any]
    ) -> list[Any] | WholeColumn:
        """The resolver's value for every source, with one resolve-info and one set of arguments
        (resolvers here never read the info's path; errors abandon the attempt anyway)."""
        field_def = step.field_def
        first = step.details[0]
        args = (
            get_argument_values(
                field_def,
                first.node,
                self.variable_values,
                first.fragment_variable_values,
                self.hide_suggestions,
            )
            if field_def.args or first.node.arguments
            else {}
        )
        info = self.build_resolve_info(
            field_def, step.nodes, parent_type, Path(None, step.key, parent_type.name)
        )
        direct = direct_resolver(field_def, self.schema)
        if direct is None:
            resolve = field_def.resolve or self.field_resolver
            return [resolve(source, info, **args) for source in sources]
        definition, strawberry_schema = direct
        strawberry_info = strawberry_schema.config.info_class(_raw_info=info, _field=definition)
        _, kwargs = get_arguments(
            field=definition,
            source=None,
            info=strawberry_info,
            kwargs=args,
            config=strawberry_schema.config,
            scalar_registry=strawberry_schema.schema_converter.scalar_registry,
        )
        call: Callable[..., Any] = definition.base_resolver.wrapped_func  # type: ignore[union-attr,assignment]
        batch = getattr(call, "batch", None)
        if batch is not None:
            return WholeColumn(batch(sources, **kwargs))
        return [call(source, **kwargs) for source in sources]

    def _extended_column(
        self, parent_type: GraphQLObjectType, step: Step, sources: list[Any]
    ) -> list[Any]:
        """A plain attribute's column passed through its field's column extensions, with one
        strawberry Info for the level."""
        assert step.column is not None
        attribute, extensions, definition = step.column
        raw_info = self.build_resolve_info(
            step.field_def, step.nodes, parent_type, Path(None, step.key, parent_type.name)
        )
        strawberry_schema = self.schema._strawberry_schema  # type: ignore[attr-defined]
        info = strawberry_schema.config.info_class(_raw_info=raw_info, _field=definition)
        column = list(map(attrgetter(attribute), sources))
        for extension in extensions:
            column = extension.resolve_column(column, sources, info)
        return column

    def _check_runtime_types(self, field_type: GraphQLObjectType, values: list[Any]) -> None:
        """What `is_type_of` says of each value, asked once per class: strawberry's answer for
        an object that was not `strawberry.cast` depends only on its class."""
        is_type_of = field_type.is_type_of
        assert is_type_of is not None
        if row_source_of(field_type, values) is not None:
            return  # rows standing for the type (engine/row_sources)
        accepted = accepted_classes(self.schema, field_type)
        for value in values:
            if value.__class__ in accepted and not hasattr(value, TYPE_CAST_ATTRIBUTE):
                continue
            if is_row_of(field_type, value):
                continue  # built or read as the type (engine/row_sources)
            verdict = is_type_of(value, None)  # type: ignore[arg-type]
            if self.is_awaitable(verdict) or not verdict:
                raise Abandon
            if not hasattr(value, TYPE_CAST_ATTRIBUTE):
                accepted.add(value.__class__)

    async def _complete(
        self, field_type: GraphQLOutputType, step: Step, values: list[Any]
    ) -> list[Any]:
        if isinstance(field_type, GraphQLNonNull):
            if any(value is None or value is Undefined for value in values):
                raise Abandon
            return await self._complete_present(field_type.of_type, step, values)
        present = [
            i for i, value in enumerate(values) if value is not None and value is not Undefined
        ]
        if len(present) == len(values):
            return await self._complete_present(field_type, step, values)
        completed: list[Any] = [None] * len(values)
        if present:
            done = await self._complete_present(field_type, step, [values[i] for i in present])
            for index, value in zip(present, done, strict=True):
                completed[index] = value
        return completed

    async def _complete_present(
        self, field_type: GraphQLOutputType, step: Step, values: list[Any]
    ) -> list[Any]:
        if isinstance(field_type, GraphQLList):
            lists = [as_list(value) for value in values]
            flat = [item for items in lists for item in items]
            done = await self._complete(field_type.of_type, step, flat)
            return split(done, [len(items) for items in lists])
        if not isinstance(field_type, GraphQLObjectType):
            raise Abandon  # leaves are completed without awaiting; abstract types never get here
        if field_type.is_type_of is not None:
            self._check_runtime_types(field_type, values)
        grouped, *_ = self.collect_subfields(field_type, step.details)
        return await self._level(field_type, values, grouped)
