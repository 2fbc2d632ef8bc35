"""Counts the SQL statements the ORM sends, through its own debug log."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from contextlib import contextmanager

SQL_LOGGER = logging.getLogger("tortoise.db_client")


class _Counter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.statements: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        try:  # the server's background loops (event relay, webhooks) are not the request's
            task = asyncio.current_task()
        except RuntimeError:
            task = None
        if task is not None and task.get_name().startswith("crm-"):
            return
        if not message.startswith(("Created connection pool", "Closed connection pool")):
            self.statements.append(message)


@contextmanager
def count_statements() -> Iterator[list[str]]:
    handler = _Counter()
    previous = SQL_LOGGER.level
    SQL_LOGGER.addHandler(handler)
    SQL_LOGGER.setLevel(logging.DEBUG)
    try:
        yield handler.statements
    finally:
        SQL_LOGGER.removeHandler(handler)
        SQL_LOGGER.setLevel(previous)
