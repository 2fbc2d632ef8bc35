"""Queries executed level by level: each field resolved once per list of objects, not per object.

graphql-core executes a selection depth first, object by object: for a page of 50 customers
each with a membership and a ledger, every field of every object goes through a Path, a
resolve-info object, argument coercion, an awaitable check and a coroutine of value
completion. This executor takes a query's selection breadth first instead. At each level it
holds the whole list of parent objects: a plain attribute is read for all of them in one
comprehension, a resolver gets one resolve-info and one set of coerced arguments for all of
them, the awaitables of every resolver of the level are gathered together (so their
DataLoaders still batch into one statement each), and the values are completed type by type,
the objects among them as the next level. A batch field (`engine/batch_resolvers.batch_field`)
is called once for the whole level instead, and may answer rows of the row source it names,
which the next level reads column by column (`engine/row_sources`).

Every field runs once, errors included. A resolver that raises (or a refused permission) leaves
its error as that parent's value; a column the level's shortcuts cannot complete (null in a
non-null field, a value its scalar refuses, an object of the wrong type) is completed value by
value by graphql-core's own `complete_value`, with each value's path, before anything below it
ran; a column whose shortcut failed before any resolver ran (its arguments, an attribute) is
resolved by graphql-core's `execute_field`, source by source. Both record graphql-core's
located errors. A non-null field's error nulls its parent (`Nulled`), level by level up to the
nearest nullable position, where the error is recorded: the standard error propagation, breadth
first (the errors are those of a depth-first run, listed level by level). Operations it cannot
take at all go the standard way from the start: mutations and subscriptions, @defer and
@stream, interfaces and unions (their runtime types), introspection, and schemas with a
`resolve` extension hook.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from operator import attrgetter
from typing import Any
from weakref import WeakKeyDictionary

from graphql import (
    GraphQLField,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    OperationType,
    TypeNameMetaFieldDef,
    get_named_type,
)
from graphql.execution.collect_fields import GroupedFieldSet
from graphql.execution.values import get_argument_values
from graphql.pyutils import AwaitableOrValue, Path, Undefined
from strawberry.schema.schema_converter import get_arguments
from strawberry.types.cast import TYPE_CAST_ATTRIBUTE

from engine.batch_resolvers import WholeColumn, column_extensions, is_direct
from engine.columns import Abandon, as_list, close_all, complete_leaves, row_builder, split
from engine.execution import basic_attribute, strawberry_field
from engine.level_errors import (
    Failures,
    LevelErrors,
    Nulled,
    Paths,
    Step,
    call_each,
    picked,
)
from engine.row_sources import RowSource
from library_adapter import strawberry_schema_of
from models.pinned import pinned_connection

UNBATCHABLE_DIRECTIVES = frozenset({"defer", "stream"})
# Per schema, by id: a field's facts (`_facts`), an object type's accepted classes.
_KNOWN: WeakKeyDictionary[GraphQLSchema, dict[int, Any]] = WeakKeyDictionary()


ROOT_PATHS: Paths = lambda: [None]  # noqa: E731


class BatchedQueryExecutor(LevelErrors):
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
        self._position_context = position_context
        return self._batched(root_type, root_value, grouped_field_set)

    async def _batched(
        self, root_type: GraphQLObjectType, root_value: Any, grouped_field_set: GroupedFieldSet
    ) -> dict[str, Any]:
        (data,) = await self._level(root_type, [root_value], grouped_field_set, ROOT_PATHS)
        if isinstance(data, Nulled):
            raise data.error  # graphql-core records it and answers null data
        return data  # type: ignore[no-any-return]

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
            named = get_named_type(field_def.type)
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
                steps.append(Step(key, TypeNameMetaFieldDef, details, [], parent_type.name, True))
                continue
            field_def = parent_type.fields[field_name]
            leaves_only = isinstance(get_named_type(field_def.type), GraphQLLeafType)
            facts = self._facts(field_def)
            steps.append(
                Step(key, field_def, details, [d.node for d in details], None, leaves_only, *facts)
            )
        self._steps[id(grouped)] = (grouped, steps)
        return steps

    def _facts(self, field_def: GraphQLField) -> tuple[Any, ...]:
        """What a field is to this executor, worked out once per schema (which keeps its
        fields alive, and so their ids theirs): (its strawberry definition, a basic field's
        attribute, a resolver called directly, column extensions, the row source of a batch
        field's rows, its Python name)."""
        known = _KNOWN.setdefault(self.schema, {})
        found = known.get(id(field_def))
        if found is None:
            definition = strawberry_field(field_def)
            resolver = definition.base_resolver if definition is not None else None
            found = known[id(field_def)] = (
                definition,
                basic_attribute(definition, field_def),
                is_direct(definition, strawberry_schema_of(self.schema)),
                column_extensions(definition, field_def),
                getattr(resolver.wrapped_func, "rows", None) if resolver else None,
                definition.python_name if definition is not None else None,
            )
        return found

    async def _level(
        self,
        parent_type: GraphQLObjectType,
        sources: list[Any],
        grouped: GroupedFieldSet,
        paths: Paths,
        rows: RowSource | None = None,
    ) -> list[dict[str, Any] | Nulled]:
        """The response objects of `sources`, one a source (Nulled where a non-null field's
        error nulled it). `paths` gives each source's path, asked only for errors. Sources that
        are rows of `rows` are read column by column when every selected field has a reader,
        else built as objects first."""
        steps = self._plan_level(parent_type, grouped)
        columns = self._read_rows(steps, sources, rows) if rows is not None else None
        redo: set[int] = set()  # resolved by graphql-core, source by source
        each: set[int] = set()  # completed by graphql-core, value by value
        if columns is not None:
            assert rows is not None
            nested = [rows.nested.get(step.name or "") for step in steps]
        else:
            if rows is not None:
                sources = rows.built(sources, self.context_value)
            columns = await self._resolve_level(parent_type, steps, sources, redo, each)
            nested = [step.rows for step in steps]
        objects = []
        for position, step in enumerate(steps):
            if position in redo or position in each or step.typename is not None:
                continue
            if not step.leaves_only:
                objects.append(position)
                continue
            try:
                columns[position] = complete_leaves(step.field_def.type, columns[position])
            except Exception:
                each.add(position)
        if objects:
            done = await asyncio.gather(
                *(
                    self._complete(
                        steps[p].field_def.type,
                        steps[p],
                        columns[p],
                        self._field_paths(parent_type, steps[p], paths),
                        nested[p],
                    )
                    for p in objects
                ),
                return_exceptions=True,
            )
            for position, completed in zip(objects, done, strict=True):
                if not isinstance(completed, Exception):
                    if isinstance(completed, BaseException):
                        raise completed
                    columns[position] = completed
                else:  # raised before its next level started (`_level` records its errors)
                    each.add(position)
        if redo or each:  # graphql-core's way, with its errors
            source_paths, positions = paths(), sorted(redo | each)
            standard = (
                self._standard_column(
                    parent_type,
                    steps[p],
                    sources,
                    source_paths,
                    None if p in redo else columns[p],
                    nested[p],
                )
                for p in positions
            )
            for position, column in zip(positions, await asyncio.gather(*standard), strict=True):
                columns[position] = column
        built_rows: list[Any] = list(map(row_builder(tuple(step.key for step in steps)), *columns))
        if self._nulled:
            for index in range(len(built_rows)):
                for column in columns:
                    if isinstance(column[index], Nulled):
                        built_rows[index] = column[index]
                        break
        return built_rows

    def _read_rows(
        self, steps: list[Step], sources: list[Any], rows: RowSource
    ) -> list[list[Any]] | None:
        """The level's columns read from rows (engine/row_sources), or None when the sources are
        not all rows of `rows`, a selected field has no reader, or a reader fails."""
        readers = rows.readers
        if not rows.holds(sources) or any(
            step.typename is None and step.name not in readers for step in steps
        ):
            return None
        try:
            return [
                [step.typename] * len(sources)
                if step.typename is not None
                else readers[step.name](sources, self.context_value)  # type: ignore[index]
                for step in steps
            ]
        except Exception:
            return None  # readers have no side effects: the objects answer instead

    async def _resolve_level(
        self,
        parent_type: GraphQLObjectType,
        steps: list[Step],
        sources: list[Any],
        redo: set[int],
        each: set[int],
    ) -> list[list[Any]]:
        """Every step's value for every source; a resolver's error stays as its source's value
        (the step joins `each`), a step that failed before calling a resolver joins `redo`."""
        columns: list[list[Any]] = []
        awaiting: list[tuple[int, list[Any], int, Any]] = []
        is_awaitable = self.is_awaitable
        try:
            for position, step in enumerate(steps):
                if step.typename is not None:
                    columns.append([step.typename] * len(sources))
                    continue
                try:
                    if step.attribute is not None:
                        column: Any = list(map(attrgetter(step.attribute), sources))
                    elif step.extensions is not None:
                        column = self._extended_column(parent_type, step, sources)
                    else:
                        column = self._resolve_all(parent_type, step, sources)
                except Exception:
                    redo.add(position)  # nothing ran: an argument, an attribute, a mask
                    columns.append([None] * len(sources))
                    continue
                if isinstance(column, WholeColumn):
                    awaiting.append((position, columns, position, column.values))
                    columns.append([])
                    continue
                if isinstance(column, Failures):
                    each.add(position)
                columns.append(column)
                for index, value in enumerate(column):
                    if is_awaitable(value):
                        awaiting.append((position, column, index, value))
        except BaseException:
            close_all(value for _, _, _, value in awaiting)  # never awaited: no warnings
            raise
        if awaiting:
            settled = await asyncio.gather(*(a for *_, a in awaiting), return_exceptions=True)
            for (position, column, index, _), value in zip(awaiting, settled, strict=True):
                if isinstance(value, Exception):
                    each.add(position)
                elif isinstance(value, BaseException):
                    raise value
                column[index] = value
            for position, column in enumerate(columns):
                if isinstance(column, Exception):  # a batch resolver failed: each parent's error
                    columns[position] = [column] * len(sources)
                elif not isinstance(column, list) or len(column) != len(sources):
                    redo.add(position)  # a batch resolver's answer that cannot be trusted
        return columns

    def _resolve_all(
        self, parent_type: GraphQLObjectType, step: Step, sources: list[Any]
    ) -> list[Any] | WholeColumn:
        """The resolver's value for every source, with one resolve-info and one set of
        arguments; a batch field's values with one call."""
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
        if not step.direct:
            resolve = field_def.resolve or self.field_resolver
            return call_each(resolve, sources, self._info(parent_type, step), **args)
        definition = step.definition
        assert definition is not None
        strawberry_schema = strawberry_schema_of(self.schema)
        _, kwargs = get_arguments(
            field=definition,
            source=None,
            info=self._strawberry_info(parent_type, step),
            kwargs=args,
            config=strawberry_schema.config,
            scalar_registry=strawberry_schema.schema_converter.scalar_registry,
        )
        call: Callable[..., Any] = definition.base_resolver.wrapped_func  # type: ignore[union-attr,assignment]
        batch = getattr(call, "batch", None)
        if batch is not None:
            return WholeColumn(batch(sources, **kwargs))
        return call_each(call, sources, **kwargs)

    def _extended_column(
        self, parent_type: GraphQLObjectType, step: Step, sources: list[Any]
    ) -> list[Any]:
        """A plain attribute's column passed through its field's column extensions, with one
        strawberry Info for the level."""
        assert step.extensions is not None
        info = self._strawberry_info(parent_type, step)
        column = list(map(attrgetter(step.name), sources))  # type: ignore[arg-type]
        for extension in step.extensions:
            column = extension.resolve_column(column, sources, info)
        return column

    def _info(self, parent_type: GraphQLObjectType, step: Step) -> Any:
        """One resolve-info for the level (resolvers here never read the info's path; errors
        are located by their completion)."""
        path = Path(None, step.key, parent_type.name)
        return self.build_resolve_info(step.field_def, step.nodes, parent_type, path)

    def _strawberry_info(self, parent_type: GraphQLObjectType, step: Step) -> Any:
        info_class = strawberry_schema_of(self.schema).config.info_class
        return info_class(_raw_info=self._info(parent_type, step), _field=step.definition)

    def _check_runtime_types(
        self, field_type: GraphQLObjectType, values: list[Any], rows: RowSource | None
    ) -> None:
        """What `is_type_of` says of each value, asked once per class: strawberry's answer for
        an object that was not `strawberry.cast` depends only on its class."""
        is_type_of = field_type.is_type_of
        assert is_type_of is not None
        row_class = rows.row_class if rows is not None else None
        accepted = _KNOWN.setdefault(self.schema, {}).setdefault(id(field_type), set())
        for value in values:
            if value.__class__ in accepted and not hasattr(value, TYPE_CAST_ATTRIBUTE):
                continue
            if value.__class__ is row_class:
                continue  # rows standing for the type (engine/row_sources)
            verdict = is_type_of(value, None)  # type: ignore[arg-type]
            if self.is_awaitable(verdict) or not verdict:
                raise Abandon
            if not hasattr(value, TYPE_CAST_ATTRIBUTE):
                accepted.add(value.__class__)

    async def _complete(
        self,
        field_type: GraphQLOutputType,
        step: Step,
        values: list[Any],
        paths: Paths,
        rows: RowSource | None,
    ) -> list[Any]:
        """The values completed as `field_type`, each a Nulled where an error below nulled it
        and the type is non-null. Raises (Abandon) only before the next level started."""
        nullable = True
        if isinstance(field_type, GraphQLNonNull):
            nullable, field_type = False, field_type.of_type
        present = [
            i for i, value in enumerate(values) if value is not None and value is not Undefined
        ]
        if len(present) < len(values):
            if not nullable:
                raise Abandon
            completed: list[Any] = [None] * len(values)
            if present:
                picked_values = [values[i] for i in present]
                done = await self._complete(
                    field_type, step, picked_values, picked(paths, present), rows
                )
                for index, value in zip(present, done, strict=True):
                    completed[index] = value
            return completed
        if isinstance(field_type, GraphQLList):
            lists = [as_list(value) for value in values]
            flat = [item for items in lists for item in items]

            def item_paths() -> list[Path | None]:
                return [
                    Path(path, index, None)
                    for path, items in zip(paths(), lists, strict=True)
                    for index in range(len(items))
                ]

            done = await self._complete(field_type.of_type, step, flat, item_paths, rows)
            completed = split(done, [len(items) for items in lists])
            if self._nulled:  # a non-null item's error nulls its list
                for index, part in enumerate(completed):
                    completed[index] = next((v for v in part if isinstance(v, Nulled)), part)
        elif isinstance(field_type, GraphQLObjectType):
            if field_type.is_type_of is not None:
                self._check_runtime_types(field_type, values, rows)
            grouped, *_ = self.collect_subfields(field_type, step.details)
            completed = await self._level(field_type, values, grouped, paths, rows)
        else:
            raise Abandon  # leaves are completed without awaiting; abstract types never get here
        if nullable and self._nulled:
            self._record_nulled(completed, paths)
        return completed
