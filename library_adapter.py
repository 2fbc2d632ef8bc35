"""The private parts of strawberry and Tortoise the project still reads, each with why no public
API serves. Everything else uses their public APIs; tests/test_public_apis.py fails on a private
attribute or a private module of strawberry, graphql-core or Tortoise read anywhere else.
Upgrading one of them: check these first."""

from __future__ import annotations

from typing import Any, TypeVar

from graphql import GraphQLSchema
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model

M = TypeVar("M", bound=Model)


def graphql_core_schema(schema: Any) -> GraphQLSchema:
    """The graphql-core schema a strawberry Schema built. strawberry keeps it in `_schema` and
    offers no accessor; validation, introspection checks and the executor need graphql-core's
    own schema object."""
    return schema._schema  # type: ignore[no-any-return]


def strawberry_schema_of(schema: GraphQLSchema) -> Any:
    """The strawberry Schema that built a graphql-core schema (None for another schema).
    strawberry sets `_strawberry_schema` on it and reads it back for `Info.schema`; the
    level-by-level executor builds strawberry Infos without a resolver's Info at hand."""
    return getattr(schema, "_strawberry_schema", None)


def model_client(model: type[Model], for_write: bool = False) -> BaseDBAsyncClient:
    """The ORM client a model's statements go to (the current transaction's, if any): Tortoise
    routes through `Model._choose_db` (routers, transactions); `connections.get` would miss a
    router. Used by raw SQL beside the ORM."""
    return model._choose_db(for_write)


def instance_from_db(model: type[M], row: Any) -> M:
    """A model instance from a row, as Tortoise's own queries build it (`_init_from_db`): the
    fallback of models/rows.py's compiled reader when a row leaves columns out."""
    return model._init_from_db(**row)


def instance_state(instance: Model) -> tuple[bool, bool]:
    """(partial, saved in the database): what Tortoise's `_partial` and `_saved_in_db` say of an
    instance built from a row; tests check the compiled reader sets them as Tortoise does."""
    return instance._partial, instance._saved_in_db
