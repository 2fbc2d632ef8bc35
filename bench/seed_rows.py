"""The rows bench/seed.py writes: one brand's customers and everything that hangs off them."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from bench.bulkload import Loader
from bench.seed_tables import COLUMNS
from services.loyalty.config import Calendar

CITIES = ["Shanghai", "Beijing", "Shenzhen", "Guangzhou", "Chengdu", "Hangzhou", "Wuhan"]
TAGS = ["vip", "coffee", "tea", "student", "office", "weekend", "delivery", "new"]
CHANNELS = ["APP", "MINI_PROGRAM", "STORE", "WEB", "PARTNER"]
STORES = [f"store-{n:02d}" for n in range(1, 21)]
CATALOGUE = [  # sku, name, category, unit price
    ("LATTE", "Latte", "coffee", Decimal("32.00")),
    ("AMERICANO", "Americano", "coffee", Decimal("26.00")),
    ("FLATWHITE", "Flat white", "coffee", Decimal("34.00")),
    ("MATCHA", "Matcha latte", "tea", Decimal("36.00")),
    ("OOLONG", "Oolong tea", "tea", Decimal("24.00")),
    ("CROISSANT", "Croissant", "food", Decimal("18.00")),
    ("SANDWICH", "Chicken sandwich", "food", Decimal("38.00")),
    ("CHEESECAKE", "Cheesecake", "food", Decimal("42.00")),
    ("BEANS", "House beans 250 g", "retail", Decimal("98.00")),
    ("MUG", "Brand mug", "retail", Decimal("79.00")),
]
TICKET_CHANNELS = ["APP", "PHONE", "WECHAT", "EMAIL", "STORE"]
TICKET_CATEGORIES = ["PRODUCT_QUALITY", "SERVICE", "DELIVERY", "BILLING", "APP_ISSUE"]
ROOT_CAUSES = ["STAFF_TRAINING", "SUPPLIER", "PROCESS", "SYSTEM", "CUSTOMER_ERROR"]
NPS_WEIGHTS = [1, 1, 1, 1, 2, 3, 4, 8, 14, 18, 17]  # scores 0..10, NPS around +30
TIER_WEIGHTS = [60, 25, 10, 5]
NOW = datetime.now(UTC).replace(microsecond=0)
START = NOW - timedelta(days=730)


@dataclass
class BrandRows:
    brand_id: int
    tier_ids: list[int]
    survey_id: int
    offer_ids: list[int]
    calendar: Calendar
    store_ids: list[int]
    rng: random.Random = field(default_factory=random.Random)
    ids: dict[str, int] = field(default_factory=dict)

    def seed(self, value: int) -> None:
        self.rng = random.Random(value)

    async def reserve_ids(self, loader: Loader) -> None:
        for table in COLUMNS:
            if table != "coupons" or self.offer_ids:
                self.ids[table] = await loader.next_id(table)

    def _id(self, table: str) -> int:
        value = self.ids[table]
        self.ids[table] = value + 1
        return value

    def generate(self, start: int, count: int) -> dict[str, list[tuple[Any, ...]]]:
        out: dict[str, list[tuple[Any, ...]]] = {table: [] for table in COLUMNS}
        for k in range(start, start + count):
            self._customer(k, out)
        return out

    def _customer(self, k: int, out: dict[str, list[tuple[Any, ...]]]) -> None:
        r, brand = self.rng, self.brand_id
        cid = self._id("customers")
        created = START + timedelta(seconds=r.randrange(700 * 86400))
        birthday = date(1965 + r.randrange(40), r.randrange(1, 13), r.randrange(1, 29))
        gender = r.choice(("FEMALE", "FEMALE", "MALE", "UNKNOWN"))
        out["customers"].append(
            (
                cid,
                brand,
                f"Customer {k:07d}",
                f"+86139{k:08d}",
                f"c{k}@example.com",
                gender,
                birthday,
                r.choice(CITIES),
                r.choice(CHANNELS),
                r.random() < 0.6,
                created,
                created,
            )
        )
        for tag in r.sample(TAGS, r.randrange(3)):
            out["customer_tags"].append((self._id("customer_tags"), brand, cid, tag))
        ext = (self._id("customer_external_ids"), brand, cid, "pos", f"P{k:08d}")
        out["customer_external_ids"].append(ext)
        for n in range(r.randrange(4)):
            note = (self._id("customer_notes"), brand, cid, f"note {n}", "seed", created)
            out["customer_notes"].append(note)
        last_purchase, balance, earned, redeemed = self._purchases(cid, created, out)
        tier = r.choices(self.tier_ids, TIER_WEIGHTS[: len(self.tier_ids)])[0]
        out["memberships"].append(
            (
                self._id("memberships"),
                brand,
                cid,
                f"M{cid:09d}",
                tier,
                created,
                balance,
                earned,
                redeemed,
                created,
            )
        )
        if r.random() < 0.08:
            self._ticket(cid, created, out)
        if r.random() < 0.2:
            self._survey_answer(cid, created, out)
        if self.offer_ids and r.random() < 0.3:
            self._coupons(cid, created, last_purchase, out)

    def _purchases(
        self, cid: int, created: datetime, out: dict[str, list[tuple[Any, ...]]]
    ) -> tuple[int | None, int, int, int]:
        """About 10 purchases with items; an EARN lot each; redemptions use the oldest lots."""
        r, brand = self.rng, self.brand_id
        count = r.randrange(5, 16)
        gap = (NOW - created) / (count + 1)
        at, balance, earned, redeemed = created, 0, 0, 0
        lots: list[list[Any]] = []
        days: dict[int, list[int]] = {}
        pid: int | None = None
        for _ in range(count):
            at = min(at + gap * (0.5 + r.random()), NOW - timedelta(minutes=5))
            pid = self._id("purchases")
            amount = Decimal(0)
            for sku, name, category, price in r.sample(CATALOGUE, r.randrange(1, 4)):
                quantity = 1 + (r.random() < 0.2)
                amount += price * quantity
                item = (
                    self._id("purchase_items"),
                    brand,
                    pid,
                    sku,
                    name,
                    category,
                    quantity,
                    price,
                )
                out["purchase_items"].append(item)
            points = int(amount)
            out["purchases"].append(
                (
                    pid,
                    brand,
                    cid,
                    amount,
                    points,
                    r.choice(self.store_ids),
                    r.choice(CHANNELS),
                    at,
                    at,
                )
            )
            balance += points
            earned += points
            lot = [
                self._id("points_transactions"),
                brand,
                cid,
                "EARN",
                points,
                balance,
                "purchase",
                "purchase",
                "seed",
                pid,
                points,
                points,
                at,
            ]
            lots.append(lot)
            day = days.setdefault(self.calendar.day(at), [self.calendar.month(at), 0, 0])
            day[1] += int(amount * 100)
            day[2] += 1
            if balance >= 100 and r.random() < 0.2:
                spend = r.randrange(50, min(balance, 600) + 1)
                balance -= spend
                redeemed += spend
                self._consume(lots, spend)
                lots.append(
                    [
                        self._id("points_transactions"),
                        brand,
                        cid,
                        "REDEEM",
                        -spend,
                        balance,
                        "redeemed a reward",
                        "offer",
                        "seed",
                        None,
                        0,
                        0,
                        at + timedelta(hours=1),
                    ]
                )
        out["points_transactions"].extend(tuple(row) for row in lots)
        for day_number, (month, cents, purchases) in days.items():
            row = (self._id("daily_spend"), brand, cid, day_number, month, cents, purchases)
            out["daily_spend"].append(row)
        return pid, balance, earned, redeemed

    @staticmethod
    def _consume(lots: list[list[Any]], points: int) -> None:
        for lot in lots:
            if points == 0:
                return
            take = min(points, lot[11])
            lot[11] -= take
            points -= take

    def _ticket(self, cid: int, created: datetime, out: dict[str, list[tuple[Any, ...]]]) -> None:
        r = self.rng
        opened = created + (NOW - created) * r.random()
        status = r.choices(("CLOSED", "RESOLVED", "OPEN", "NEW"), (50, 15, 20, 15))[0]
        done = status in ("CLOSED", "RESOLVED")
        resolved = opened + timedelta(hours=r.randrange(1, 72)) if done else None
        out["tickets"].append(
            (
                self._id("tickets"),
                self.brand_id,
                cid,
                r.choice(TICKET_CHANNELS),
                r.choice(TICKET_CATEGORIES),
                r.choices(("LOW", "NORMAL", "HIGH", "URGENT"), (30, 50, 15, 5))[0],
                "Complaint",
                "The drink was cold.",
                status,
                "seed",
                "Remade the drink" if done else None,
                r.choice(ROOT_CAUSES) if done else None,
                opened + timedelta(hours=4),
                opened + timedelta(hours=48),
                resolved,
                resolved if status == "CLOSED" else None,
                r.randrange(1, 6) if status == "CLOSED" and r.random() < 0.6 else None,
                opened,
                resolved or opened,
            )
        )

    def _survey_answer(
        self, cid: int, created: datetime, out: dict[str, list[tuple[Any, ...]]]
    ) -> None:
        r = self.rng
        sent = created + (NOW - created) * r.random()
        answered = sent + timedelta(minutes=r.randrange(5, 3000))
        invitation = self._id("survey_invitations")
        channel = r.choice(("APP", "STORE", "OTHER"))
        out["survey_invitations"].append(
            (
                invitation,
                self.brand_id,
                self.survey_id,
                cid,
                f"seed-{self.brand_id}-{invitation}",
                channel,
                sent,
                answered,
            )
        )
        score = r.choices(range(11), NPS_WEIGHTS)[0]
        out["survey_responses"].append(
            (
                self._id("survey_responses"),
                self.brand_id,
                self.survey_id,
                invitation,
                cid,
                json.dumps({"q1": score}),
                score,
                channel,
                answered,
            )
        )

    def _coupons(
        self,
        cid: int,
        created: datetime,
        last_purchase: int | None,
        out: dict[str, list[tuple[Any, ...]]],
    ) -> None:
        r = self.rng
        for offer in r.sample(self.offer_ids, r.randrange(1, 3)):
            issued = created + (NOW - created) * r.random()
            status = r.choices(("ISSUED", "REDEEMED", "EXPIRED"), (60, 30, 10))[0]
            redeemed = status == "REDEEMED"
            coupon = self._id("coupons")
            out["coupons"].append(
                (
                    coupon,
                    self.brand_id,
                    offer,
                    cid,
                    f"S{coupon:010d}",
                    status,
                    issued,
                    issued + timedelta(days=30),
                    issued + timedelta(days=2) if redeemed else None,
                    last_purchase if redeemed else None,
                    Decimal("10.00") if redeemed else None,
                )
            )
