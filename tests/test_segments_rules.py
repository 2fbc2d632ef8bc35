"""Segment rules evaluated by services/segments/segments.py against real data, one statement
each."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from models import Brand, Membership, Segment
from models.offers import Coupon, Offer
from services.common import sql as raw
from services.common.actor import Actor
from services.common.errors import DomainError
from services.loyalty import config as loyalty_config
from services.segments import segments
from services.segments.sql import uses_calendar_days
from tests.querycount import count_statements
from tests.segment_helpers import NOW, born, person
from tests.support import make_brand


@pytest.fixture
async def town() -> tuple[Brand, dict[str, int]]:
    """Five customers of `acme` with distinct traits, and one lookalike of another brand."""
    brand = await make_brand("acme")
    await loyalty_config.ladder(brand.id)
    people = {
        "ann": await person(
            brand,
            "Ann",
            tier="Gold",
            stage="ACTIVE",
            value_tier="HIGH_VALUE",
            city="Shanghai",
            region="East",
            gender="FEMALE",
            birthday=born(30).replace(month=NOW.month),
            tags=("vip", "coffee"),
            purchases=((5, "300.00"), (40, "200.00")),
            marketing_consent=True,
            enrolled_days_ago=10,
        ),
        "bob": await person(
            brand,
            "Bob",
            tier="Silver",
            stage="AT_RISK",
            value_tier="ORDINARY",
            city="beijing",
            region="North",
            gender="MALE",
            birthday=born(50),
            tags=("coffee",),
            purchases=((100, "50.00"), (120, "60.00"), (130, "70.00")),
            enrolled_days_ago=500,
        ),
        "cat": await person(
            brand,
            "Cat",
            tier="Regular",
            stage="CHURNED",
            city="Shanghai",
            gender="FEMALE",
            purchases=((300, "10.00"), (2, "99.00")),
            refunded=(1,),
        ),
        "dan": await person(brand, "Dan", gender="MALE", birthday=born(17)),
        "eve": await person(
            brand, "Eve", tier="Platinum", stage="NEW", purchases=((1, "5000.00"),)
        ),
    }
    other = await make_brand("other")
    await loyalty_config.ladder(other.id)
    await person(
        other,
        "Ann elsewhere",
        tier="Gold",
        stage="ACTIVE",
        city="Shanghai",
        gender="FEMALE",
        tags=("vip",),
        purchases=((5, "300.00"),),
        marketing_consent=True,
    )
    return brand, {name: c.id for name, c in people.items()}


async def matching(brand: Brand, ids: dict[str, int], rule: dict[str, Any]) -> set[str]:
    canonical = segments.parse_rule(rule)
    with count_statements() as statements:
        found = await segments.customer_ids(brand.id, canonical)
    # calendar days (ages, enrolment dates) need the brand's zone: one small read first
    assert len(statements) == 1 + uses_calendar_days(canonical), statements
    names = {i: n for n, i in ids.items()}
    assert set(found) <= set(names), "another brand's customer leaked into the segment"
    return {names[i] for i in found}


CASES: list[tuple[dict[str, Any], set[str]]] = [
    ({"tier": {"in": ["Gold", "Silver"]}}, {"ann", "bob"}),
    ({"tier": {"atLeast": "Gold"}}, {"ann", "eve"}),
    ({"lifecycleStage": {"in": ["active", "NEW"]}}, {"ann", "eve"}),
    ({"lifecycleStage": {"in": ["PROSPECT"]}}, {"dan"}),
    ({"valueTier": {"in": ["HIGH_VALUE", "ORDINARY"]}}, {"ann", "bob"}),
    ({"city": {"in": ["shanghai"]}}, {"ann", "cat"}),
    ({"city": {"in": ["Beijing"]}}, {"bob"}),
    ({"region": {"in": ["east", "north"]}}, {"ann", "bob"}),
    ({"gender": {"in": ["female"]}}, {"ann", "cat"}),
    ({"ageBand": {"min": 18, "max": 35}}, {"ann"}),
    ({"ageBand": {"min": 40}}, {"bob"}),
    ({"ageBand": {"max": 17}}, {"dan"}),
    ({"tags": {"any": ["vip", "tea"]}}, {"ann"}),
    ({"tags": {"any": ["coffee"]}}, {"ann", "bob"}),
    ({"tags": {"all": ["coffee", "vip"]}}, {"ann"}),
    ({"daysSinceLastPurchase": {"min": 60}}, {"bob", "cat", "dan"}),
    ({"daysSinceLastPurchase": {"max": 30}}, {"ann", "eve"}),
    ({"daysSinceLastPurchase": {"min": 90, "max": 200}}, {"bob"}),
    ({"purchaseCount": {"min": 3}}, {"bob"}),
    ({"purchaseCount": {"max": 1}}, {"cat", "dan", "eve"}),
    ({"purchaseCount": {"min": 1, "withinDays": 30}}, {"ann", "eve"}),
    ({"purchaseCount": {"max": 0, "withinDays": 30}}, {"bob", "cat", "dan"}),
    ({"purchaseCount": {"min": 2, "max": 2}}, {"ann"}),
    ({"purchaseCount": {"min": 0}}, {"ann", "bob", "cat", "dan", "eve"}),
    ({"purchaseCount": {"min": 1, "max": 1, "withinDays": 60}}, {"eve"}),
    ({"purchaseCount": {"max": 1, "withinDays": 60}}, {"bob", "cat", "dan", "eve"}),
    ({"totalSpend": {"min": "500"}}, {"ann", "eve"}),
    ({"totalSpend": {"min": 100, "max": "500.00"}}, {"ann", "bob"}),
    ({"totalSpend": {"max": "10.00"}}, {"cat", "dan"}),
    ({"totalSpend": {"min": "250", "withinDays": 30}}, {"ann", "eve"}),
    ({"birthdayMonth": {"in": [NOW.month]}}, {"ann"}),
    ({"enrolled": {"withinDays": 30}}, {"ann"}),
    ({"enrolled": {"to": (NOW - timedelta(days=20)).date().isoformat()}}, {"bob", "cat", "eve"}),
    ({"consent": {"marketing": True}}, {"ann"}),
    ({"consent": {"marketing": False}}, {"bob", "cat", "dan", "eve"}),
]


@pytest.mark.parametrize(("rule", "expected"), CASES, ids=[str(c[0]) for c in CASES])
async def test_each_predicate(
    town: tuple[Brand, dict[str, int]], rule: dict[str, Any], expected: set[str]
) -> None:
    brand, ids = town
    assert await matching(brand, ids, rule) == expected


async def test_nesting_and_or_not(town: tuple[Brand, dict[str, int]]) -> None:
    brand, ids = town
    gold_shanghai_lapsed = {
        "and": [
            {"tier": {"atLeast": "Silver"}},
            {"city": {"in": ["Beijing", "Shanghai"]}},
            {"not": {"daysSinceLastPurchase": {"max": 59}}},
        ]
    }
    assert await matching(brand, ids, gold_shanghai_lapsed) == {"bob"}
    either = {"or": [{"gender": {"in": ["MALE"]}}, {"tags": {"any": ["vip"]}}]}
    assert await matching(brand, ids, either) == {"ann", "bob", "dan"}
    # NOT over a predicate with missing data includes those customers (no NULL logic leaks)
    assert await matching(brand, ids, {"not": {"city": {"in": ["Shanghai"]}}}) == {
        "bob",
        "dan",
        "eve",
    }
    assert await matching(brand, ids, {"not": {"tier": {"in": ["Gold"]}}}) == {
        "bob",
        "cat",
        "dan",
        "eve",
    }
    deep = {"not": {"or": [{"not": {"gender": {"in": ["FEMALE"]}}}, {"tier": {"in": ["Gold"]}}]}}
    assert await matching(brand, ids, deep) == {"cat"}


async def test_size_and_contains_are_one_statement(town: tuple[Brand, dict[str, int]]) -> None:
    brand, ids = town
    rule = segments.parse_rule({"city": {"in": ["Shanghai"]}})
    with count_statements() as statements:
        assert await segments.size(brand.id, rule) == 2
        assert await segments.contains(brand.id, rule, ids["cat"]) is True
        assert await segments.contains(brand.id, rule, ids["bob"]) is False
    assert len(statements) == 3


async def test_member_query_is_a_subselect(town: tuple[Brand, dict[str, int]]) -> None:
    brand, _ = town
    rule = segments.parse_rule({"tags": {"any": ["vip"]}})
    sql, params = await segments.member_query(brand.id, rule)
    assert sql.startswith("SELECT c.id AS customer_id FROM customers c WHERE ")
    rows = await raw.fetch(f"SELECT COUNT(*) AS n FROM customers x WHERE x.id IN ({sql})", params)
    assert rows[0]["n"] == 1


BAD_RULES: list[tuple[Any, str, str]] = [
    ({}, "rule", "exactly one key"),
    ({"and": []}, "rule.and", "non-empty list"),
    ({"and": [{"tier": {"in": ["Gold"]}}, {"not": {"tire": {}}}]}, "rule.and[1].not.tire", "tire"),
    ({"or": [{"city": {"in": ["X"]}, "gender": {"in": ["MALE"]}}]}, "rule.or[0]", "exactly one"),
    ({"and": [{"gender": {"in": ["ROBOT"]}}]}, "rule.and[0].gender", "ROBOT"),
    ({"ageBand": {"min": 40, "max": 20}}, "rule.ageBand", "min must not exceed max"),
    ({"tags": {"any": ["a"], "all": ["b"]}}, "rule.tags", "exactly one"),
    ({"totalSpend": {"min": "lots"}}, "rule.totalSpend", "amount"),
    ({"birthdayMonth": {"in": [13]}}, "rule.birthdayMonth", "month"),
    ({"enrolled": {"from": "yesterday"}}, "rule.enrolled", "date"),
    ({"consent": {"marketing": "yes"}}, "rule.consent", "true or false"),
    ({"not": [{"tier": {"in": ["Gold"]}}]}, "rule.not", "object"),
    ({"purchaseCount": {"withinDays": 30}}, "rule.purchaseCount", "min or max"),
]


@pytest.mark.parametrize(("rule", "path", "words"), BAD_RULES, ids=[b[1] for b in BAD_RULES])
def test_malformed_rules_name_the_node(rule: Any, path: str, words: str) -> None:
    with pytest.raises(DomainError) as caught:
        segments.parse_rule(rule)
    [error] = caught.value.errors
    assert error.field == path
    assert error.code == "INVALID"
    assert words in error.message and path in error.message


def test_every_bad_node_is_reported_and_depth_is_bounded() -> None:
    with pytest.raises(DomainError) as caught:
        segments.parse_rule({"or": [{"tier": 1}, {"city": {"in": []}}, {"gender": {"in": ["X"]}}]})
    assert [e.field for e in caught.value.errors] == [
        "rule.or[0].tier",
        "rule.or[1].city",
        "rule.or[2].gender",
    ]
    deep: dict[str, Any] = {"gender": {"in": ["MALE"]}}
    for _ in range(10):
        deep = {"not": deep}
    with pytest.raises(DomainError, match="nest at most"):
        segments.parse_rule(deep)


async def test_unknown_tier_names_the_node(town: tuple[Brand, dict[str, int]]) -> None:
    brand, _ = town
    rule = segments.parse_rule({"or": [{"city": {"in": ["X"]}}, {"tier": {"in": ["Gold", "Mud"]}}]})
    with pytest.raises(DomainError) as caught:
        await segments.check_references(brand.id, rule)
    [error] = caught.value.errors
    assert (error.field, error.code) == ("rule.or[1].tier", "UNKNOWN_TIER")
    assert "Mud" in error.message


async def test_has_unredeemed_coupon(town: tuple[Brand, dict[str, int]]) -> None:
    brand, ids = town
    offer = await Offer.create(brand_id=brand.id, kind="AMOUNT_OFF", title="Ten off")
    other_offer = await Offer.create(brand_id=brand.id, kind="AMOUNT_OFF", title="Five off")
    coupons = [
        ("ann", offer, "ISSUED", None),
        ("bob", offer, "ISSUED", NOW + timedelta(days=3)),
        ("cat", offer, "ISSUED", NOW - timedelta(minutes=1)),  # expired, not yet swept
        ("dan", offer, "REDEEMED", None),
        ("eve", other_offer, "ISSUED", None),
    ]
    for i, (name, which, status, expires) in enumerate(coupons):
        await Coupon.create(
            brand_id=brand.id,
            offer_id=which.id,
            customer_id=ids[name],
            code=f"C{i}",
            status=status,
            issued_at=NOW,
            expires_at=expires,
        )
    rule = {"hasCoupon": {"offerId": offer.id}}
    assert await matching(brand, ids, rule) == {"ann", "bob"}
    assert await matching(brand, ids, {"not": rule}) == {"cat", "dan", "eve"}
    await segments.check_references(brand.id, segments.parse_rule(rule))
    elsewhere = await Offer.create(brand_id=(await make_brand("third")).id, kind="X", title="X")
    with pytest.raises(DomainError) as caught:
        await segments.check_references(
            brand.id, segments.parse_rule({"or": [{"hasCoupon": {"offerId": elsewhere.id}}]})
        )
    assert [(e.field, e.code) for e in caught.value.errors] == [
        ("rule.or[0].hasCoupon", "NOT_FOUND")
    ]


async def test_a_targeted_segment_cannot_be_deleted(town: tuple[Brand, dict[str, int]]) -> None:
    brand, _ = town
    actor = Actor.system(brand.id)
    spec = segments.SegmentSpec(name="Gold", rule={"tier": {"in": ["Gold"]}})
    segment = await segments.create_segment(actor, spec)
    offer = await Offer.create(brand_id=brand.id, kind="X", title="X", segment_id=segment.id)
    with pytest.raises(DomainError) as caught:
        await segments.delete_segment(actor, segment.id)
    assert [e.code for e in caught.value.errors] == ["CONFLICT"]
    await offer.delete()
    await segments.delete_segment(actor, segment.id)
    with pytest.raises(DomainError):
        await segments.segment_rule(brand.id, segment.id)


async def test_concurrent_creates_of_one_name_keep_one(town: tuple[Brand, dict[str, int]]) -> None:
    brand, _ = town
    actor = Actor.system(brand.id)
    spec = segments.SegmentSpec(name="Twins", rule={"gender": {"in": ["FEMALE"]}})
    results = await asyncio.gather(
        *(segments.create_segment(actor, spec) for _ in range(4)), return_exceptions=True
    )
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(refused) == 3 and all(r.errors[0].code == "DUPLICATE" for r in refused)
    assert await Segment.filter(brand_id=brand.id, name="Twins").count() == 1


@pytest.mark.parametrize(("zone", "matched"), [("Asia/Shanghai", True), ("UTC", False)])
async def test_ages_and_enrolment_days_are_counted_in_the_brands_zone(
    zone: str, matched: bool
) -> None:
    """At 20:00 UTC on 15 June it is already 16 June in Shanghai: someone born on 16 June is a
    year older there, and an enrolment at 17:00 UTC happened on the 16th."""
    brand = await make_brand("zoned", timezone=zone)
    now = datetime(2026, 6, 15, 20, 0, tzinfo=UTC)
    customer = await person(brand, "Birthday", birthday=date(2008, 6, 16), tier="Regular")
    await Membership.filter(customer_id=customer.id).update(
        enrolled_at=datetime(2026, 6, 15, 17, 0, tzinfo=UTC)
    )
    for rule in ({"ageBand": {"min": 18}}, {"enrolled": {"from": "2026-06-16"}}):
        canonical = segments.parse_rule(rule)
        sql, params = await segments.member_query(brand.id, canonical, now=now)
        rows = await raw.fetch(sql, params)
        assert bool(rows) is matched, rule
