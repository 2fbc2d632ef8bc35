"""models/rows.model_from_row builds the same instances as the ORM from the same rows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from tortoise import Tortoise
from tortoise.models import Model

from library_adapter import instance_from_db, instance_state
from models import Brand, Customer, Membership, PointsTransaction, Tier
from models.rows import fetch_in_brand, model_from_row
from tests.support import make_brand


async def _rows(model: type[Model], brand_id: int) -> list[Any]:
    conn = Tortoise.get_connection("default")
    mark = "$1" if conn.capabilities.dialect == "postgres" else "?"
    column = "id" if model is Brand else "brand_id"
    _, rows = await conn.execute_query(
        f"SELECT * FROM {model._meta.db_table} WHERE {column} = {mark} ORDER BY id", [brand_id]
    )
    return list(rows)


def _state(instance: Model) -> dict[str, Any]:
    """Every attribute with its type, and for times their zone."""
    return {
        key: (value, type(value), getattr(value, "tzinfo", None))
        for key, value in vars(instance).items()
    }


async def _seed() -> Brand:
    brand = await make_brand("rows")
    tier = await Tier.create(
        brand=brand, name="Gold", rank=1, min_lifetime_points=100, points_multiplier=Decimal("1.5")
    )
    customer = await Customer.create(
        brand=brand, name="Ann", phone="+8613800138000", email="ann@example.com",
        birthday=date(1990, 5, 17), marketing_consent=True, address={"street": "1 Road"},
    )  # fmt: skip
    await Membership.create(
        brand=brand, customer=customer, member_number="M1", tier=tier,
        tier_since=datetime(2026, 1, 2, 3, 4, 5, 600_000, tzinfo=UTC),
        next_review_at=datetime.now(UTC) + timedelta(days=30), available=70, lifetime_earned=70,
    )  # fmt: skip
    await PointsTransaction.create(
        brand=brand, customer=customer, kind="EARN", amount=70, balance_after=70, reason="r",
        source="staff", actor="app:1", expires_at=datetime(2027, 1, 1, tzinfo=UTC),
    )  # fmt: skip
    return brand


async def test_instances_equal_the_orms_for_every_column_type() -> None:
    brand = await _seed()
    for model in (Brand, Tier, Customer, Membership, PointsTransaction):
        rows = await _rows(model, brand.id)
        assert rows, model
        for row in rows:
            ours = model_from_row(model, row)
            theirs = instance_from_db(model, row)
            assert type(ours) is model
            assert _state(ours) == _state(theirs), model
            assert instance_state(ours) == (False, True)


async def test_instances_are_usable_models() -> None:
    brand = await _seed()
    (row,) = await _rows(Membership, brand.id)
    membership = model_from_row(Membership, row)
    membership.available = 95
    await membership.save(update_fields=["available"])
    assert (await Membership.get(id=membership.id)).available == 95
    assert membership.tier_id is not None
    (tier,) = await fetch_in_brand(Tier, brand.id, "id", [membership.tier_id])
    assert tier.name == "Gold" and tier.points_multiplier == Decimal("1.5")


async def test_a_row_missing_columns_gives_the_orms_partial_instance() -> None:
    brand = await _seed()
    conn = Tortoise.get_connection("default")
    mark = "$1" if conn.capabilities.dialect == "postgres" else "?"
    _, rows = await conn.execute_query(
        f"SELECT id, name FROM customers WHERE brand_id = {mark}", [brand.id]
    )
    customer = model_from_row(Customer, rows[0])
    assert instance_state(customer)[0] and customer.name == "Ann"
