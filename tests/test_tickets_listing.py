from __future__ import annotations

from config import Settings
from models import Customer, StaffUser
from models.tickets import Ticket, TicketMessage
from services.tickets.stats import pareto
from tests.querycount import count_statements
from tests.support import GraphQL, error_codes
from tests.ticket_helpers import RATE, RESOLVE, move, open_ticket, setup_brand

NESTED = """
query($first: Int, $after: String) { tickets(first: $first, after: $after) {
  pageInfo { hasNextPage endCursor }
  edges { node { id status customer { name } assignee { name } replies { body }
                 internalNotes { body } } } } }
"""


async def _seed(brand_id: int, count: int) -> None:
    staff = await StaffUser.create(
        brand_id=brand_id, email="a@example.com", name="Ann", password_hash="x", role="AGENT"
    )
    customers = [await Customer.create(brand_id=brand_id, name=f"C{i}") for i in range(count)]
    for customer in customers:
        ticket = await Ticket.create(
            brand_id=brand_id,
            customer_id=customer.id,
            channel="APP",
            category="delivery",
            severity="LOW",
            subject="s",
            description="d",
            opened_by="test",
            assignee_id=staff.id,
        )
        await TicketMessage.create(brand_id=brand_id, ticket_id=ticket.id, body="r", author="x")
        await TicketMessage.create(
            brand_id=brand_id, ticket_id=ticket.id, body="n", author="x", internal=True
        )


async def test_statement_count_does_not_grow_with_page_size(
    gql: GraphQL, settings: Settings
) -> None:
    brand, token, _ = await setup_brand(gql, settings)
    await _seed(brand.id, 30)
    counts = {}
    for size in (3, 30):
        with count_statements() as statements:
            data = await gql.data(NESTED, {"first": size}, token)
        edges = data["tickets"]["edges"]
        assert len(edges) == size
        assert all(e["node"]["replies"] == [{"body": "r"}] for e in edges)
        assert all(e["node"]["internalNotes"] == [{"body": "n"}] for e in edges)
        assert all(e["node"]["assignee"]["name"] == "Ann" for e in edges)
        counts[size] = len(statements)
    assert 0 < counts[3] == counts[30], counts


async def test_pages_cover_everything_once(gql: GraphQL, settings: Settings) -> None:
    brand, token, _ = await setup_brand(gql, settings)
    await _seed(brand.id, 7)
    seen: list[str] = []
    after = None
    while True:
        page = (await gql.data(NESTED, {"first": 3, "after": after}, token))["tickets"]
        seen += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == 7
    assert error_codes(await gql.post(NESTED, {"first": 101}, token)) == ["BAD_USER_INPUT"]


STATS = """
query($from: DateTime, $to: DateTime) { ticketStats(from: $from, to: $to) {
  total byStatus { key count } byCategory { key count } byChannel { key count }
  bySeverity { key count } medianFirstResponseSeconds medianResolutionSeconds
  firstResponseCompliance resolutionCompliance csatAverage csatCount
  rootCauses { rootCause count share cumulativeShare } } }
"""


async def test_ticket_stats(gql: GraphQL, settings: Settings) -> None:
    _, token, customer = await setup_brand(gql, settings)
    ids = [
        (await open_ticket(gql, token, customer["id"], **extra))["id"]
        for extra in ({}, {"channel": "PHONE"}, {"category": "product"}, {"severity": "URGENT"})
    ]
    for ticket_id, cause, score in zip(
        ids[:3], ("courier", "courier", "stock"), (5, 2, 4), strict=True
    ):
        await move(gql, token, ticket_id, "OPEN")
        await gql.data(RESOLVE, {"id": ticket_id, "rootCause": cause}, token)
        await gql.data(RATE, {"id": ticket_id, "score": score}, token)
    stats = (await gql.data(STATS, {}, token))["ticketStats"]
    assert stats["total"] == 4
    assert {b["key"]: b["count"] for b in stats["byStatus"]} == {"RESOLVED": 3, "NEW": 1}
    assert stats["byChannel"][0] == {"key": "APP", "count": 3}
    assert {b["key"]: b["count"] for b in stats["byCategory"]} == {"delivery": 3, "product": 1}
    assert stats["csatAverage"] == 3.67 and stats["csatCount"] == 3
    assert stats["medianResolutionSeconds"] is not None
    assert stats["resolutionCompliance"] is None  # no SLA policy: no clocks
    assert stats["rootCauses"] == [
        {"rootCause": "courier", "count": 2, "share": 66.7, "cumulativeShare": 66.7},
        {"rootCause": "stock", "count": 1, "share": 33.3, "cumulativeShare": 100.0},
    ]
    empty = await gql.data(STATS, {"from": "2999-01-01T00:00:00Z"}, token)
    assert empty["ticketStats"]["total"] == 0 and empty["ticketStats"]["csatAverage"] is None
    bad = await gql.post(
        STATS, {"from": "2026-02-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"}, token
    )
    assert error_codes(bad) == ["BAD_USER_INPUT"]


def test_pareto_ranks_and_accumulates() -> None:
    from collections import Counter

    entries = pareto(Counter({"a": 1, "b": 5, "c": 4}))
    assert [(e.root_cause, e.cumulative_share) for e in entries] == [
        ("b", 50.0),
        ("c", 90.0),
        ("a", 100.0),
    ]
