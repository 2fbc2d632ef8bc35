"""No personal data in logs: what the server's own loggers could carry is cut out.

- uvicorn's access log writes each request's path with its query string, and a GraphQL GET
  carries its variables there (a phone searched for): the query string is dropped.
- the ORM's statement log (`tortoise.db_client`, DEBUG) writes each statement's parameters,
  which are the values written and searched for: the parameters are replaced.

Our own log lines name ids, counts and kinds, never values (events, jobs, webhooks, usage).
"""

from __future__ import annotations

import logging

REDACTED = "[parameters not logged]"


class DropQueryStrings(logging.Filter):
    """uvicorn.access records: (client, method, path with query, http version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            path = args[2].partition("?")[0]
            record.args = (*args[:2], path, *args[3:])
        return True


class DropStatementParameters(logging.Filter):
    """tortoise.db_client records: ("%s: %s", statement, parameters)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 2:
            record.args = (args[0], REDACTED)
        return True


_FILTERS = (
    ("uvicorn.access", DropQueryStrings()),
    ("tortoise.db_client", DropStatementParameters()),
)


def install() -> None:
    """Idempotent: each logger gets its filter once."""
    for name, log_filter in _FILTERS:
        logger = logging.getLogger(name)
        if log_filter not in logger.filters:
            logger.addFilter(log_filter)
