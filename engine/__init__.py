"""The GraphQL execution engine and the request policies, shared by every entry point.

A request's path: an entry point (`lean_post` for a JSON POST of one operation, the view for
the rest, `revocable_ws` for websockets) -> `policies.RequestPipeline`, the one ordered list of
request policies (parse, validation, cost, rate, masking, logging) -> execution:

- queries: `batched.BatchedQueryExecutor`, level by level; a batch field
  (`batch_resolvers.batch_field`) answers a level in one call, possibly as rows read by the
  type's row source (`row_sources.rows_of`); `columns` completes leaves a column at a time;
  errors and partial data as graphql-core's (`level_errors`);
- mutations, subscriptions and what the level-by-level executor cannot take (interfaces,
  unions, @defer, introspection): graphql-core through `execution.GraphQLCoreExecutor`;
  subscription events once per audience (`shared_events`).

Domains import only `batch_resolvers` and `row_sources` (how a field is declared for the
executor); the rest is wired in schema/__init__.py and server.py (tests/test_layers.py).
"""
