"""Availability search over a busy store: `python -m bench.availability`.

Seeds a store open 09:00-21:00 every day with 20 stylists working those hours, a 45-minute
service with a 15-minute buffer on a 15-minute grid, and a month of bookings (each stylist's
days about two-thirds booked). Then times `availability.find_slots` for every stylist over
the month (what `availableSlots` computes) against a baseline measured in the same run on the
same data: one plain SQL read of the month's appointments, then each candidate start on the
grid checked against every appointment of its stylist in Python (the obvious loop). Both must
find the same slots; the figure is slots per second, and the ratio. It also times the API
(`availableSlots` through /graphql in-process, every stylist of the store for one day a
request).

`--database-url postgres://...` for PostgreSQL; the default is a SQLite file under var/.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from zoneinfo import ZoneInfo

from tortoise import Tortoise

from models import Brand, Customer
from models.appointments import Appointment, BookableService, BookingPolicy
from models.db import close_db, init_db, run_migrations
from models.stores import StaffAssignment, StaffMember, Store
from services.appointments import availability
from services.appointments.policy import get_policy
from services.brands import brands
from services.common import sql

ZONE = "Europe/London"
STAFF = 20
DAYS = 30
OPEN, CLOSE = 9 * 60, 21 * 60
DURATION, BUFFER, STEP = 45, 15, 15
SLUG = "availability-bench"


def _day_zero() -> date:
    return (datetime.now(ZoneInfo(ZONE)) + timedelta(days=2)).date()


async def seed() -> Brand:
    found = await Brand.get_or_none(slug=SLUG)
    if found is not None:
        await found.delete()
    brand = await brands.create_brand(SLUG, "Availability bench", timezone=ZONE)
    hours = {str(d): [[OPEN, CLOSE]] for d in range(1, 8)}
    store = await Store.create(
        brand_id=brand.id, code="B1", name="Bench", timezone=ZONE, opening_hours=hours
    )
    service = await BookableService.create(
        brand_id=brand.id,
        code="CUT",
        name="Cut",
        duration_minutes=DURATION,
        buffer_minutes=BUFFER,
        price=50,
        skills=["cut"],
    )
    await BookingPolicy.create(brand_id=brand.id, slot_minutes=STEP, booking_window_days=60)
    customer = await Customer.create(brand_id=brand.id, name="Guest")
    rng = random.Random(7)
    zone = ZoneInfo(ZONE)
    rows: list[Appointment] = []
    for n in range(STAFF):
        staff = await StaffMember.create(brand_id=brand.id, name=f"Stylist {n:02d}", skills=["cut"])
        await StaffAssignment.create(
            brand_id=brand.id, staff_id=staff.id, store_id=store.id, role="STYLIST", schedule=hours
        )
        for d in range(DAYS):
            day = _day_zero() + timedelta(days=d)
            minute = OPEN
            while minute + DURATION + BUFFER <= CLOSE:
                minute += rng.choice((0, 0, 15, 30, 60))  # gaps of 0-60 minutes
                if minute + DURATION + BUFFER > CLOSE:
                    break
                start = (
                    datetime.combine(day, clock(), zone) + timedelta(minutes=minute)
                ).astimezone(UTC)
                rows.append(
                    Appointment(
                        brand_id=brand.id,
                        store_id=store.id,
                        staff_id=staff.id,
                        service_id=service.id,
                        customer_id=customer.id,
                        starts_at=start,
                        ends_at=start + timedelta(minutes=DURATION),
                        blocks_until=start + timedelta(minutes=DURATION + BUFFER),
                        price=50,
                    )
                )
                minute += DURATION + BUFFER
    await Appointment.bulk_create(rows, batch_size=1000)
    print(f"seeded {len(rows)} appointments for {STAFF} stylists over {DAYS} days")
    return brand


async def baseline(brand: Brand, frm: datetime, to: datetime) -> list[tuple[int, datetime]]:
    """The obvious way: read the month's bookings, test every grid start against each one."""
    store = await Store.get(brand_id=brand.id)
    zone = ZoneInfo(store.timezone)
    staff_ids = [
        a.staff_id for a in await StaffAssignment.filter(store_id=store.id).order_by("staff_id")
    ]
    rows = await sql.fetch(
        "SELECT staff_id, starts_at, blocks_until FROM appointments WHERE store_id = ?"
        " AND holds_slot = ? AND starts_at < ? AND blocks_until > ?",
        [store.id, True, to, frm],
    )
    busy: dict[int, list[tuple[datetime, datetime]]] = {s: [] for s in staff_ids}
    for r in rows:
        start, end = r["starts_at"], r["blocks_until"]
        if isinstance(start, str):
            start, end = datetime.fromisoformat(start), datetime.fromisoformat(end)
        busy[int(r["staff_id"])].append((start, end))
    total = timedelta(minutes=DURATION + BUFFER)
    found: list[tuple[int, datetime]] = []
    day = frm.astimezone(zone).date()
    while datetime.combine(day, clock(), zone) < to:
        for staff in staff_ids:
            for minute in range(OPEN, CLOSE, STEP):
                start = (
                    datetime.combine(day, clock(), zone) + timedelta(minutes=minute)
                ).astimezone(UTC)
                end = start + total
                if end > (
                    datetime.combine(day, clock(), zone) + timedelta(minutes=CLOSE)
                ).astimezone(UTC):
                    continue
                if not frm <= start < to:
                    continue
                if all(e <= start or end <= s for s, e in busy[staff]):
                    found.append((staff, start))
        day += timedelta(days=1)
    return sorted(found, key=lambda f: (f[1], f[0]))


async def ours(
    brand: Brand, frm: datetime, to: datetime, now: datetime
) -> list[tuple[int, datetime]]:
    store = await Store.get(brand_id=brand.id)
    service = await BookableService.get(brand_id=brand.id)
    policy = await get_policy(brand.id)
    bookable = await availability.bookable_staff(store, service, None)
    slots = await availability.find_slots(bookable, policy, frm, to, now, None, 10**9)
    return [(s.staff_id, s.starts_at) for s in slots]


async def timed(fn):  # type: ignore[no-untyped-def]
    began = time.perf_counter()
    result = await fn()
    return time.perf_counter() - began, result


async def api(database_url: str, brand: Brand, frm: datetime, requests: int) -> tuple[float, int]:
    """`availableSlots` for the store's day (20 stylists) a request: seconds, slots."""
    import httpx

    from auth.tokens import issue_token
    from config import Settings
    from resolvers.ids import to_global_id
    from server import create_app

    settings = Settings(
        database_url=database_url,
        jwt_secret="bench-secret-that-is-long-enough-0123456789",
        rate_limit_per_second=1e6,  # a benchmark, not a client to protect against
        rate_limit_burst=1e9,
    )
    app = create_app(settings, manage_db=False)
    created = await brands.create_app(brand, "bench", ["appointments:read"])
    token = issue_token(
        settings, "app", created.app.id, brand.slug, frozenset({"appointments:read"}), 600
    ).token
    store = await Store.get(brand_id=brand.id)
    service = await BookableService.get(brand_id=brand.id)
    query = """query($s: ID!, $v: ID!, $f: DateTime!, $t: DateTime!) {
      availableSlots(storeId: $s, serviceId: $v, from: $f, to: $t, first: 500) {
        startsAt staffId priorityOnly } }"""
    headers = {"Authorization": f"Bearer {token}"}
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://bench") as client,
    ):
        began, slots = time.perf_counter(), 0
        for i in range(requests):
            day = frm + timedelta(days=i % DAYS)
            variables = {
                "s": to_global_id("Store", store.id),
                "v": to_global_id("BookableService", service.id),
                "f": day.isoformat(),
                "t": (day + timedelta(days=1)).isoformat(),
            }
            response = await client.post(
                "/graphql", json={"query": query, "variables": variables}, headers=headers
            )
            body = response.json()
            assert response.status_code == 200 and "errors" not in body, response.text
            slots += len(body["data"]["availableSlots"])
        return time.perf_counter() - began, slots


async def run(database_url: str, repeat: int, requests: int) -> None:
    await run_migrations(database_url)
    await init_db(database_url)
    try:
        postgres = Tortoise.get_connection("default").capabilities.dialect == "postgres"
        brand = await seed()
        if postgres:
            await sql.execute("ANALYZE")
        zone = ZoneInfo(ZONE)
        frm = datetime.combine(_day_zero(), clock(), zone).astimezone(UTC)
        to = frm + timedelta(days=DAYS)
        now = frm - timedelta(days=1)
        # alternate the two in each round, so a busy moment of the machine hits both
        base_samples, our_samples = [], []
        expected: list[tuple[int, datetime]] = []
        found: list[tuple[int, datetime]] = []
        for _ in range(repeat):
            took, expected = await timed(lambda: baseline(brand, frm, to))
            base_samples.append(took)
            took, found = await timed(lambda: ours(brand, frm, to, now))
            our_samples.append(took)
        base_s, ours_s = statistics.median(base_samples), statistics.median(our_samples)
        assert found == expected, "the two computations disagree"
        n = len(found)
        print(f"{'dialect':<34}{'postgres' if postgres else 'sqlite'}")
        print(f"{'free slots in the month':<34}{n}")
        for label, took in (("baseline SQL + Python loop", base_s), ("find_slots", ours_s)):
            speed = f"{n / took:10.0f} slots/s"
            print(f"{label:<34}{took * 1000:8.1f} ms {speed} {base_s / took:5.1f}x")
        took, slots = await api(database_url, brand, frm, requests)
        per_second = slots / took
        print(
            f"{'availableSlots via /graphql':<34}{took * 1000 / requests:8.1f} ms"
            f" {per_second:10.0f} slots/s {per_second / (n / base_s):5.1f}x"
            f"  ({requests / took:.0f} requests/s, the whole store, one day each)"
        )
    finally:
        await close_db()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    default = Path("var") / "availability-bench.sqlite3"
    parser.add_argument("--database-url", default=f"sqlite://{default}")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    default.parent.mkdir(exist_ok=True)
    asyncio.run(run(args.database_url, args.repeat, args.requests))


if __name__ == "__main__":
    main()
