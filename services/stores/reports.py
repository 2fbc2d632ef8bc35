"""Sales per store over purchases in [from, to): count, net revenue (amount less refunds),
distinct customers; purchases without a store are grouped under no store."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from models import Purchase

MAX_RANGE = timedelta(days=366)


@dataclass
class StoreSales:
    store_id: int | None
    purchases: int = 0
    revenue: Decimal = Decimal("0.00")
    customer_ids: set[int] = field(default_factory=set)

    @property
    def customers(self) -> int:
        return len(self.customer_ids)


async def sales_by_store(brand_id: int, frm: datetime, to: datetime) -> list[StoreSales]:
    """Largest revenue first (ties by store id, no store last); one scan of the range."""
    rows = await Purchase.filter(
        brand_id=brand_id, occurred_at__gte=frm, occurred_at__lt=to
    ).values_list("store_id", "amount", "refunded_amount", "customer_id")
    groups: dict[int | None, StoreSales] = defaultdict(lambda: StoreSales(None))
    for store_id, amount, refunded, customer_id in rows:
        key = int(store_id) if store_id is not None else None
        group = groups[key]
        group.store_id = key
        group.purchases += 1
        group.revenue += Decimal(str(amount)) - Decimal(str(refunded))
        group.customer_ids.add(int(customer_id))
    return sorted(
        groups.values(),
        key=lambda g: (g.store_id is None, -g.revenue, g.store_id or 0),
    )
