"""Helpers for the analytics tests: purchases in bulk through the API, the refresh job."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from models import Brand
from services.analytics import refresh
from tests.support import GraphQL, create_customer

SHANGHAI = ZoneInfo("Asia/Shanghai")
PER_REQUEST = 40  # aliased mutations in one document (the limit is 50 aliases)


def local(day: str, hour: int = 12) -> str:
    """A time on a calendar day of the brand's zone (Asia/Shanghai), as ISO 8601."""
    moment = datetime.fromisoformat(day).replace(hour=hour, tzinfo=SHANGHAI)
    return moment.isoformat()


def days_ago(days: float) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).isoformat()


def item(
    sku: str, price: str = "10", category: str | None = None, quantity: int = 1
) -> dict[str, Any]:
    return {
        "sku": sku,
        "name": sku.title(),
        "unitPrice": price,
        "category": category,
        "quantity": quantity,
    }


async def purchases(gql: GraphQL, token: str, specs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Record each RecordPurchaseInput, several per request; returns the purchases."""
    out: list[dict[str, Any]] = []
    for start in range(0, len(specs), PER_REQUEST):
        chunk = specs[start : start + PER_REQUEST]
        params = ", ".join(f"$p{i}: RecordPurchaseInput!" for i in range(len(chunk)))
        selection = "purchase { id } pointsEarned errors { code }"
        fields = " ".join(
            f"r{i}: recordPurchase(input: $p{i}) {{ {selection} }}" for i in range(len(chunk))
        )
        body = await gql.data(
            f"mutation({params}) {{ {fields} }}", {f"p{i}": s for i, s in enumerate(chunk)}, token
        )
        for i in range(len(chunk)):
            result = body[f"r{i}"]
            assert result["errors"] == [], result
            out.append(result)
    return out


def buy(customer: str, when: str, amount: str = "10", **extra: Any) -> dict[str, Any]:
    return {"customerId": customer, "amount": amount, "occurredAt": when, **extra}


async def weekly_and_stopped(gql: GraphQL, token: str, n: int) -> tuple[list[str], list[str]]:
    """n weekly buyers W0.. and n who stopped S0.., on a 28-day churn horizon. Customer i of
    each group first bought 84 + 10 i days ago, then every week: the weekly ones up to now,
    the others until 56 days ago (28 days before the model's training cutoff)."""
    settings = "mutation { setLoyaltySettings(input: {atRiskDays: 28}) { errors { code } } }"
    await gql.data(settings, token=token)
    weekly = [(await create_customer(gql, token, name=f"W{i}"))["id"] for i in range(n)]
    stopped = [(await create_customer(gql, token, name=f"S{i}"))["id"] for i in range(n)]
    starts = [84 + 10 * i for i in range(n)]
    specs = [
        buy(c, days_ago(d), "20")
        for c, s in zip(weekly, starts, strict=True)
        for d in range(s, 0, -7)
    ]
    specs += [
        buy(c, days_ago(d), "20")
        for c, s in zip(stopped, starts, strict=True)
        for d in range(s, 55, -7)
    ]
    await purchases(gql, token, specs)
    return weekly, stopped


async def run_refresh(brand: Brand) -> dict[str, Any]:
    """`crm analytics refresh` in-process (the CLI test runs the command itself)."""
    return await refresh.refresh(await Brand.get(id=brand.id))
