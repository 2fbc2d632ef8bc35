from __future__ import annotations

from datetime import date

from config import Settings
from models import Brand, Customer, CustomerExternalId, CustomerNote, CustomerTag
from services.common.pagination import PageRequest, paginate
from services.customers import query as customer_query
from services.customers.query import CustomerFilter
from tests.querycount import count_statements
from tests.support import GraphQL, app_token, error_codes, make_brand

PAGE = """
query($first: Int, $after: String, $last: Int, $before: String, $filter: CustomerFilter,
      $orderBy: CustomerOrder) {
  customers(first: $first, after: $after, last: $last, before: $before, filter: $filter,
            orderBy: $orderBy) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { name } }
  }
}
"""

NESTED = """
query($first: Int) { customers(first: $first) { edges { node {
  id name phone tags externalIds { system externalId } notes { body createdAt } createdAt
  timeline(first: 5) { kind summary occurredAt }
} } } }
"""


async def seed(brand: Brand, count: int) -> list[Customer]:
    customers = [
        Customer(
            brand_id=brand.id,
            name=f"Customer {i:03d}",
            city="Shanghai" if i % 2 else "Beijing",
            gender="FEMALE" if i % 3 == 0 else "MALE",
        )
        for i in range(count)
    ]
    await Customer.bulk_create(customers)
    return await Customer.filter(brand_id=brand.id).order_by("id")


async def names(gql: GraphQL, token: str, **variables: object) -> tuple[list[str], dict]:  # type: ignore[type-arg]
    page = (await gql.data(PAGE, dict(variables), token))["customers"]
    return [e["node"]["name"] for e in page["edges"]], page


async def test_forward_and_backward_pages_cover_everything_once(
    gql: GraphQL, settings: Settings
) -> None:
    brand = await make_brand()
    token = await app_token(settings, brand)
    await seed(brand, 25)
    order = {"field": "NAME", "direction": "ASC"}
    seen: list[str] = []
    after = None
    while True:
        batch, page = await names(gql, token, first=10, after=after, orderBy=order)
        seen += batch
        assert page["totalCount"] == 25
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == [f"Customer {i:03d}" for i in range(25)]

    back, page = await names(gql, token, last=10, orderBy=order)
    assert back == [f"Customer {i:03d}" for i in range(15, 25)]
    assert page["pageInfo"]["hasPreviousPage"] is True
    assert page["pageInfo"]["hasNextPage"] is False
    before, page = await names(
        gql, token, last=10, before=page["pageInfo"]["startCursor"], orderBy=order
    )
    assert before == [f"Customer {i:03d}" for i in range(5, 15)]
    assert page["pageInfo"]["hasNextPage"] is True


async def test_keyset_cursor_is_stable_when_rows_are_inserted(
    gql: GraphQL, settings: Settings
) -> None:
    brand = await make_brand()
    token = await app_token(settings, brand)
    await seed(brand, 6)
    order = {"field": "NAME", "direction": "ASC"}
    first, page = await names(gql, token, first=3, orderBy=order)
    await Customer.create(brand_id=brand.id, name="Customer 000a")  # sorts into the first page
    rest, _ = await names(gql, token, first=10, after=page["pageInfo"]["endCursor"], orderBy=order)
    assert first + rest == [f"Customer {i:03d}" for i in range(6)]


async def test_equal_sort_values_break_ties_by_id(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand()
    token = await app_token(settings, brand)
    await Customer.bulk_create([Customer(brand_id=brand.id, name="Same") for _ in range(7)])
    seen, after = 0, None
    for _ in range(4):
        batch, page = await names(
            gql, token, first=2, after=after, orderBy={"field": "NAME", "direction": "DESC"}
        )
        seen += len(batch)
        after = page["pageInfo"]["endCursor"]
    assert seen == 7


async def test_filters(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand()
    token = await app_token(settings, brand)
    customers = await seed(brand, 10)
    await CustomerTag.create(brand_id=brand.id, customer_id=customers[1].id, tag="vip")
    await CustomerTag.create(brand_id=brand.id, customer_id=customers[1].id, tag="coffee")
    await CustomerTag.create(brand_id=brand.id, customer_id=customers[2].id, tag="vip")
    customers[4].phone, customers[4].email = "+8613800138000", "zhao@example.com"
    await customers[4].save()
    tagged, _ = await names(gql, token, filter={"tags": ["vip", "coffee"]})
    assert tagged == ["Customer 001"]
    by_phone, _ = await names(gql, token, filter={"search": "138 0013 8000"})
    assert by_phone == ["Customer 004"]
    by_email, _ = await names(gql, token, filter={"search": "ZHAO@"})
    assert by_email == ["Customer 004"]
    by_name, _ = await names(gql, token, filter={"search": "customer 00"})
    assert len(by_name) == 10
    city, page = await names(gql, token, filter={"city": "Beijing", "gender": "FEMALE"})
    assert sorted(city) == ["Customer 000", "Customer 006"]
    assert page["totalCount"] == 2
    future, _ = await names(gql, token, filter={"createdAt": {"from": "2999-01-01T00:00:00Z"}})
    assert future == []


async def test_page_size_limits_and_bad_cursors(gql: GraphQL, settings: Settings) -> None:
    token = await app_token(settings, await make_brand())
    for variables in (
        {"first": 101},
        {"last": 500},
        {"first": -1},
        {"first": 5, "last": 5},
        {"after": "not-a-cursor"},
    ):
        body = await gql.post(PAGE, variables, token)
        assert body["data"] is None
        assert error_codes(body) == ["BAD_USER_INPUT"], variables
    await names(gql, token, first=1, orderBy={"field": "NAME", "direction": "ASC"})
    body = await gql.post(PAGE, {"after": "WyJuYW1lOmFzYyIsIngiLDFd"}, token)  # name-ordered cursor
    assert error_codes(body) == ["BAD_USER_INPUT"]


async def test_statement_count_does_not_grow_with_page_size(
    gql: GraphQL, settings: Settings
) -> None:
    brand = await make_brand()
    token = await app_token(settings, brand)
    customers = await seed(brand, 50)
    for c in customers:
        await CustomerTag.create(brand_id=brand.id, customer_id=c.id, tag="t")
        await CustomerExternalId.create(
            brand_id=brand.id, customer_id=c.id, system="pos", external_id=str(c.id)
        )
        await CustomerNote.create(brand_id=brand.id, customer_id=c.id, body="n", author="test")
    counts = {}
    for size in (5, 50):
        with count_statements() as statements:
            data = await gql.data(NESTED, {"first": size}, token)
        assert len(data["customers"]["edges"]) == size
        assert all(e["node"]["tags"] == ["t"] for e in data["customers"]["edges"])
        counts[size] = len(statements)
    assert 0 < counts[5] == counts[50], counts


async def test_times_are_shown_in_the_brand_zone(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand(timezone="Asia/Shanghai")
    token = await app_token(settings, brand)
    await Customer.create(brand_id=brand.id, name="A", birthday=date(1990, 1, 2))
    data = await gql.data(
        "{ customers { edges { node { createdAt birthday birthMonth } } } }", token=token
    )
    node = data["customers"]["edges"][0]["node"]
    assert node["createdAt"].endswith("+08:00")
    assert node["birthday"] == "1990-01-02"
    assert node["birthMonth"] == 1


async def test_the_first_page_of_all_customers_is_the_paginated_page() -> None:
    """The unfiltered first page is read with one plain SELECT; it must be `paginate`'s page:
    rows, order (ties broken by id), cursors and hasNextPage, in every ordering."""
    brand = await make_brand()
    other = await make_brand("other")
    await seed(brand, 7)
    await seed(other, 3)  # never on the brand's pages
    await Customer.bulk_create([Customer(brand_id=brand.id, name="Customer 003") for _ in range(2)])
    for field_name in customer_query.ORDER_FIELDS:
        for descending in (True, False):
            for first in (None, 0, 1, 4, 9, 20):
                request = PageRequest(first=first)
                fast = await customer_query.list_customers(
                    brand.id, "CN", CustomerFilter(), request, field_name, descending
                )
                field = customer_query.ORDER_FIELDS[field_name]
                query = Customer.filter(brand_id=brand.id)
                slow = await paginate(query, field, descending, request, field != "name")
                assert [(str(c), m.pk) for c, m in fast.items] == [
                    (str(c), m.pk) for c, m in slow.items
                ], (field_name, descending, first)
                assert (fast.has_next_page, fast.has_previous_page) == (
                    slow.has_next_page,
                    slow.has_previous_page,
                )
    assert (
        len(
            (
                await customer_query.list_customers(
                    brand.id, "CN", CustomerFilter(), PageRequest(), "CREATED_AT", True
                )
            ).items
        )
        == 9
    )
