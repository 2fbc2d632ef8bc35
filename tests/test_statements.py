"""models/statements: statements of a transaction answer, count, fail and roll back as the
ORM's client does, on both databases."""

from __future__ import annotations

import asyncio

import pytest
from tortoise import Tortoise
from tortoise.exceptions import IntegrityError, OperationalError
from tortoise.transactions import in_transaction

from models import Brand
from models.rows import to_postgres
from models.statements import execute_counting, fetch_rows
from tests.support import make_brand


def _sql(sql: str) -> str:
    on_postgres = Tortoise.get_connection("default").capabilities.dialect == "postgres"
    return to_postgres(sql) if on_postgres else sql


async def test_rows_counts_and_returning_inside_and_outside_a_transaction() -> None:
    brand = await make_brand("statements")
    select = _sql("SELECT slug, name FROM brands WHERE id = ?")
    rename = _sql("UPDATE brands SET name = ? WHERE id = ?")
    for transactional in (False, True):
        name = (await Brand.get(id=brand.id)).name
        async with in_transaction() as conn:
            client = conn if transactional else Tortoise.get_connection("default")
            rows = await fetch_rows(client, select, [brand.id])
            assert [(r["slug"], r["name"]) for r in rows] == [("statements", name)]
            assert await execute_counting(client, rename, [f"n{transactional}", brand.id]) == 1
            assert await execute_counting(client, rename, ["x", -1]) == 0
            returned = await fetch_rows(
                client, _sql("UPDATE brands SET name = ? WHERE id = ? RETURNING name"), ["r", -1]
            )
            assert list(returned) == []
        assert (await Brand.get(id=brand.id)).name == f"n{transactional}"


async def test_errors_are_the_orms_and_the_transaction_rolls_back() -> None:
    brand, other = await make_brand("statements-errors"), await make_brand("statements-other")
    rename = _sql("UPDATE brands SET name = ? WHERE id = ?")
    taken_slug = _sql("UPDATE brands SET slug = ? WHERE id = ? RETURNING id")
    with pytest.raises(IntegrityError):
        async with in_transaction() as conn:
            await execute_counting(conn, rename, ["gone", brand.id])
            await fetch_rows(conn, taken_slug, [other.slug, brand.id])
    assert (await Brand.get(id=brand.id)).name != "gone", "the transaction must roll back"
    with pytest.raises(OperationalError):
        async with in_transaction() as conn:
            await fetch_rows(conn, "SELECT no_such_column FROM brands", [])


async def test_statements_started_together_in_one_transaction_take_turns() -> None:
    brands = [await make_brand(f"turns-{i}") for i in range(5)]
    select = (
        _sql("SELECT pg_sleep(0.01), id FROM brands WHERE id = ?")
        if _postgres()
        else (_sql("SELECT 0, id FROM brands WHERE id = ?"))
    )
    async with in_transaction() as conn:
        found = await asyncio.gather(*(fetch_rows(conn, select, [b.id]) for b in brands))
    assert [rows[0]["id"] for rows in found] == [b.id for b in brands]


def _postgres() -> bool:
    return Tortoise.get_connection("default").capabilities.dialect == "postgres"
