"""Unit tests for domain services that know nothing of GraphQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from models import Customer, CustomerNote
from services.common.actor import Actor
from services.common.errors import DomainError, ErrorCode
from services.common.pagination import Cursor, Page, PaginationError, decode_cursor, encode_cursor
from services.customers import customers
from services.customers.normalize import (
    InvalidValue,
    mask_email,
    mask_phone,
    normalize_email,
    normalize_phone,
)
from tests.support import make_brand


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("+86 138 0013 8000", "CN", "+8613800138000"),
        ("13800138000", "CN", "+8613800138000"),
        ("138-0013-8000", "CN", "+8613800138000"),
        ("(415) 555-2671", "US", "+14155552671"),
        ("+44 20 7946 0958", "CN", "+442079460958"),
    ],
)
def test_phone_numbers_are_normalised_to_e164(raw: str, region: str, expected: str) -> None:
    assert normalize_phone(raw, region) == expected


@pytest.mark.parametrize("raw", ["12", "hello", "+86 000", ""])
def test_invalid_phone_numbers_are_refused(raw: str) -> None:
    with pytest.raises(InvalidValue):
        normalize_phone(raw, "CN")


def test_emails_are_lower_cased_and_checked() -> None:
    assert normalize_email("  Jane.Doe@Example.COM ") == "jane.doe@example.com"
    for bad in ("jane", "jane@", "@example.com", "a b@example.com"):
        with pytest.raises(InvalidValue):
            normalize_email(bad)


def test_masks_keep_only_what_identifies_loosely() -> None:
    assert mask_phone("+8613800138000") == "+86 138****8000"
    assert mask_phone("+14155552671") == "+1 415***2671"
    assert mask_email("jane@example.com") == "j***@example.com"


def test_cursor_round_trip_and_refusal_of_another_ordering() -> None:
    moment = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    cursor = encode_cursor("created_at:desc", moment, 42)
    assert decode_cursor(cursor, "created_at:desc", field_is_datetime=True) == (moment, 42)
    with pytest.raises(PaginationError):
        decode_cursor(cursor, "created_at:asc", field_is_datetime=True)
    with pytest.raises(PaginationError):
        decode_cursor("!!!", "created_at:desc", field_is_datetime=True)


def test_a_lazy_cursor_reads_as_the_encoded_cursor() -> None:
    moment = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    lazy = Cursor("created_at:desc", moment, 42)
    assert str(lazy) == encode_cursor("created_at:desc", moment, 42)
    page = Page([(lazy, "row"), (Cursor("created_at:desc", moment, 7), "other")], True, False)
    assert page.start_cursor == str(lazy) and isinstance(page.end_cursor, str)
    assert decode_cursor(page.end_cursor, "created_at:desc", field_is_datetime=True) == (moment, 7)


async def test_create_customer_collects_all_errors_and_writes_nothing() -> None:
    brand = await make_brand()
    actor = Actor.system(brand.id)
    with pytest.raises(DomainError) as caught:
        await customers.create_customer(
            actor, brand, {"name": "x" * 201, "email": "bad", "gender": "ROBOT"}
        )
    codes = {(e.field, e.code) for e in caught.value.errors}
    assert codes == {
        ("name", ErrorCode.TOO_LONG),
        ("email", ErrorCode.INVALID),
        ("gender", ErrorCode.INVALID),
    }
    assert await Customer.all().count() == 0


async def test_merge_runs_registered_hooks_in_the_same_transaction() -> None:
    brand = await make_brand()
    actor = Actor.system(brand.id)
    source = await customers.create_customer(actor, brand, {"name": "S"})
    target = await customers.create_customer(actor, brand, {"name": "T"})
    await customers.add_note(actor, source.id, "kept")

    async def failing_hook(by: Actor, src: Customer, dst: Customer) -> None:
        raise DomainError.single("sourceId", ErrorCode.CONFLICT, "cannot move loyalty data")

    customers.MERGE_HOOKS.append(failing_hook)
    try:
        with pytest.raises(DomainError):
            await customers.merge_customers(actor, source.id, target.id)
    finally:
        customers.MERGE_HOOKS.remove(failing_hook)
    assert await Customer.exists(id=source.id)
    assert await CustomerNote.filter(customer_id=source.id).count() == 1


async def test_merge_across_brands_is_not_found() -> None:
    brand_a, brand_b = await make_brand("brand-a"), await make_brand("brand-b")
    a = await customers.create_customer(Actor.system(brand_a.id), brand_a, {"name": "A"})
    b = await customers.create_customer(Actor.system(brand_b.id), brand_b, {"name": "B"})
    with pytest.raises(DomainError) as caught:
        await customers.merge_customers(Actor.system(brand_a.id), b.id, a.id)
    assert caught.value.errors[0].code == ErrorCode.NOT_FOUND
    assert await Customer.exists(id=b.id)
