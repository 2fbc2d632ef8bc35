"""No personal data in the server's logs: statement parameters and query strings are cut."""

from __future__ import annotations

import logging

import pytest

from config import Settings
from services.privacy.logs import DropQueryStrings
from tests.support import GraphQL, app_token, create_customer, make_brand


async def test_statement_logs_carry_no_values(
    gql: GraphQL, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    token = await app_token(settings, await make_brand())
    with caplog.at_level(logging.DEBUG, logger="tortoise.db_client"):
        await create_customer(
            gql, token, name="Secret Name", phone="13800138000", email="secret@example.com"
        )
        await gql.data(
            '{ customers(filter: {search: "secret@example.com"}) { totalCount } }', token=token
        )
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "INSERT INTO" in text  # the statements are logged...
    for value in ("Secret Name", "8613800138000", "secret@example.com"):
        assert value not in text  # ...without their values


def test_access_log_lines_lose_their_query_string() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", '/graphql?query={customers(filter:{search:"138"})}', "1.1", 200),
        None,
    )
    assert DropQueryStrings().filter(record)
    assert record.getMessage() == '127.0.0.1:5000 - "GET /graphql HTTP/1.1" 200'
