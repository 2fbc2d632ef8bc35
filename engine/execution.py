"""graphql-core's executor as every request runs it (mutations, subscriptions, and what the
level-by-level executor of `engine/batched` leaves to it): resolver helpers held weakly, and
fresh DataLoaders for each root mutation field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from weakref import WeakMethod

from graphql import (
    GraphQLField,
    GraphQLObjectType,
    GraphQLResolveInfoHelpers,
    OperationType,
)
from graphql.execution.collect_fields import FieldDetailsList
from graphql.pyutils import Path
from strawberry.resolvers import is_default_resolver
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField


def strawberry_field(field_def: GraphQLField) -> StrawberryField | None:
    """The strawberry definition behind a graphql-core field, if there is one."""
    definition = (field_def.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    return definition if isinstance(definition, StrawberryField) else None


def basic_attribute(definition: StrawberryField | None, field_def: GraphQLField) -> str | None:
    """The attribute behind a strawberry basic field (no resolver, no extension)."""
    resolver = field_def.resolve
    if (
        definition is None
        or not definition.is_basic_field
        or resolver is None
        or not is_default_resolver(resolver)
        or field_def.args
    ):
        return None
    return definition.python_name


def weak_async_helpers(executor: Any) -> GraphQLResolveInfoHelpers:
    """graphql-core's helpers for resolvers, holding the executor weakly. Its own hold bound
    methods of the executor, which holds them: a reference cycle, so every request's executor,
    its context and all the context's DataLoaders and loaded rows were freed only by the cyclic
    collector (about 1,400 objects a page, a fifth of a wide page's time in collections)."""
    gather, track = WeakMethod(executor.gather_async_work), WeakMethod(executor.track_async_work)
    return GraphQLResolveInfoHelpers(
        gather=lambda values: _alive(gather)(values), track=lambda values: _alive(track)(values)
    )


def _alive(method: WeakMethod[Callable[..., Any]]) -> Callable[..., Any]:
    bound = method()
    if bound is None:
        raise RuntimeError("the execution is over")
    return bound


class GraphQLCoreExecutor(StrawberryGraphQLCoreExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.async_helpers = weak_async_helpers(self)
        self._is_mutation = self.operation.operation == OperationType.MUTATION
        # A schema extension with a `resolve` hook must see every field: no shortcuts then.
        self._shortcuts_allowed = not (
            self.middleware_manager and self.middleware_manager.middlewares
        )

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
