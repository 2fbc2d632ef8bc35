"""Errors of the level-by-level executor (`engine/batched`), produced in the same run: a column
its shortcuts cannot answer is resolved or completed graphql-core's way, source by source, with
each value's path (computed only then), and a non-null field's error nulls its parent up to the
nearest nullable position (`Nulled`), where graphql-core records it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLError, GraphQLField, GraphQLObjectType
from graphql.execution.collect_fields import FieldDetailsList
from graphql.language import FieldNode
from graphql.pyutils import Path
from strawberry.types.field import StrawberryField

from engine.batch_resolvers import ColumnExtension
from engine.execution import GraphQLCoreExecutor
from engine.row_sources import RowSource

Paths = Callable[[], list[Path | None]]  # each value's path, computed only for errors


@dataclass(frozen=True, slots=True)
class Step:
    key: str
    field_def: GraphQLField
    details: FieldDetailsList
    nodes: list[FieldNode]
    typename: str | None  # `__typename`
    leaves_only: bool  # the type holds no object: completed without awaiting
    # What `engine/batched` works out once per field (`_facts`), in this order:
    definition: StrawberryField | None = None
    attribute: str | None = None  # a plain attribute: read it, no resolver
    direct: bool = False  # its resolver is called directly (`engine/batch_resolvers.is_direct`)
    # A plain attribute whose field extensions work on whole columns (e.g. masking PII).
    extensions: tuple[ColumnExtension, ...] | None = None
    rows: RowSource | None = None  # the row source a batch field's rows belong to
    name: str | None = None  # the Python name a row source reads the field by


class Nulled:
    """A position nulled by a non-null field's error, on its way up to the nearest nullable
    position, where its error is recorded (graphql-core's error propagation)."""

    __slots__ = ("error",)

    def __init__(self, error: GraphQLError) -> None:
        self.error = error


class LevelErrors(GraphQLCoreExecutor):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._nulled = 0  # Nulled positions so far: columns are searched for them only then
        self._position_context: Any = None

    def _field_paths(self, parent_type: GraphQLObjectType, step: Step, paths: Paths) -> Paths:
        key, type_name = step.key, parent_type.name
        return lambda: [Path(path, key, type_name) for path in paths()]

    async def _standard_column(
        self,
        parent_type: GraphQLObjectType,
        step: Step,
        sources: list[Any],
        source_paths: list[Path | None],
        values: list[Any] | None,
        rows: RowSource | None,
    ) -> list[Any]:
        """graphql-core resolves (values None) or completes the step for each source; the rows
        of `rows` among the values are built first (graphql-core knows no rows)."""
        results: list[Any] = []
        for index, source in enumerate(sources):
            path = Path(source_paths[index], step.key, parent_type.name)
            try:
                if values is None:
                    result = self.execute_field(
                        parent_type, source, step.details, path, self._position_context
                    )
                else:
                    value = values[index]
                    if rows is not None and not isinstance(value, Exception):
                        value = rows.built(value, self.context_value)
                    result = self._complete_resolved(parent_type, step, path, value)
            except GraphQLError as error:  # a non-null field's error, going up
                result = self._nulled_by(error)
            results.append(result)
        pending = [index for index, result in enumerate(results) if self.is_awaitable(result)]
        settled = await asyncio.gather(*(self._settled(results[i]) for i in pending))
        for index, value in zip(pending, settled, strict=True):
            results[index] = value
        return results

    def _complete_resolved(
        self, parent_type: GraphQLObjectType, step: Step, path: Path, value: Any
    ) -> Any:
        """What graphql-core's `execute_field` does with a resolver's value (or error)."""
        return_type = step.field_def.type
        info = self.build_resolve_info(step.field_def, step.nodes, parent_type, path)
        try:
            completed = self.complete_value(
                return_type, step.details, info, path, value, self._position_context
            )
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, step.details, path)
            return None
        if self.is_awaitable(completed):
            return self._completed_later(completed, step, path)
        return completed

    async def _completed_later(self, completed: Any, step: Step, path: Path) -> Any:
        try:
            return await completed
        except Exception as raw_error:
            self.handle_field_error(raw_error, step.field_def.type, step.details, path)
            return None

    async def _settled(self, awaitable: Any) -> Any:
        try:
            return await awaitable
        except GraphQLError as error:
            return self._nulled_by(error)

    def _nulled_by(self, error: GraphQLError) -> Nulled:
        self._nulled += 1
        return Nulled(error)

    def _record_nulled(self, values: list[Any], paths: Paths) -> None:
        """At a nullable position: a Nulled value becomes null, its error recorded here, as
        graphql-core's `handle_field_error` does for the nullable field."""
        known: list[Path | None] | None = None
        for index, value in enumerate(values):
            if isinstance(value, Nulled):
                known = known or paths()
                self.collected_errors.add(value.error, known[index])
                values[index] = None


class Failures(list[Any]):
    """A column in which some values are the exceptions their resolver raised."""


def call_each(call: Callable[..., Any], sources: list[Any], *args: Any, **kwargs: Any) -> list[Any]:
    """`call(source, ...)` for every source, each exactly once; one that raises leaves its
    exception as its value, and the column is then `Failures`."""
    values: list[Any] = []
    append = values.append
    failed = False
    for source in sources:
        try:
            append(call(source, *args, **kwargs))
        except Exception as error:
            append(error)
            failed = True
    return Failures(values) if failed else values


def picked(paths: Paths, indexes: list[int]) -> Callable[[], list[Any]]:
    def pick() -> list[Path | None]:
        known = paths()
        return [known[i] for i in indexes]

    return pick
