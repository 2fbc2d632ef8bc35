"""A demo brand with staff, a partner app and a few customers, for a first look."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from models import App, Brand, Customer, StaffUser
from services.brands import brands
from services.common.actor import Actor
from services.customers import customers
from services.loyalty import purchases
from services.stores.refs import StoreRef

DEMO_SLUG = "demo"
DEMO_EMAIL = "owner@demo.example"
DEMO_PASSWORD = "demo-password"
SAMPLE_CUSTOMERS = [
    {
        "name": "Li Wei",
        "phone": "13800138000",
        "email": "li.wei@example.com",
        "gender": "MALE",
        "birthday": date(1990, 5, 12),
        "city": "Shanghai",
        "acquisition_channel": "APP",
        "marketing_consent": True,
    },
    {
        "name": "Wang Fang",
        "phone": "+86 139 0013 9000",
        "email": "wang.fang@example.com",
        "gender": "FEMALE",
        "birthday": date(1988, 11, 3),
        "city": "Beijing",
        "acquisition_channel": "STORE",
    },
    {
        "name": "Zhang Min",
        "phone": "13700137000",
        "gender": "FEMALE",
        "city": "Shanghai",
        "acquisition_channel": "MINI_PROGRAM",
        "marketing_consent": True,
    },
]


@dataclass(frozen=True)
class Demo:
    brand: Brand
    app: App
    user: StaffUser


async def ensure_demo(app_scopes: list[str]) -> Demo:
    """Create the demo brand and its data once; later calls return what exists."""
    brand = await Brand.get_or_none(slug=DEMO_SLUG)
    if brand is None:
        brand = await brands.create_brand(
            DEMO_SLUG,
            "Demo Coffee",
            display_name="Demo Coffee Club",
            currency="CNY",
            timezone="Asia/Shanghai",
            locale="zh-CN",
            phone_region="CN",
            primary_color="#6f4e37",
            secondary_color="#f5e6d3",
        )
    user = await StaffUser.get_or_none(brand_id=brand.id, email=DEMO_EMAIL)
    if user is None:
        user = await brands.create_staff_user(brand, DEMO_EMAIL, DEMO_PASSWORD, "OWNER", "Owner")
    app = await App.get_or_none(brand_id=brand.id, name="Demo console")
    if app is None:
        app = (await brands.create_app(brand, "Demo console", app_scopes)).app
    if not await Customer.exists(brand_id=brand.id):
        actor = Actor.system(brand.id, "demo")
        for months, profile in zip((4, 2, 1), SAMPLE_CUSTOMERS, strict=True):
            customer = await customers.create_customer(actor, brand, dict(profile), tags=["demo"])
            await _purchase_history(actor, brand, customer.id, months)
    return Demo(brand=brand, app=app, user=user)


async def _purchase_history(actor: Actor, brand: Brand, customer_id: int, months: int) -> None:
    """One latte-and-beans purchase a month, oldest first, so tiers and points have a story."""
    now = datetime.now(UTC)
    for back in range(months - 1, -1, -1):
        item = purchases.ItemSpec("LATTE-L", "Large latte", "coffee", 8, Decimal("32.00"))
        await purchases.record_purchase(
            actor,
            brand,
            customer_id,
            "256.00",
            [item],
            StoreRef(code="SH-001"),
            "STORE",
            now - timedelta(days=30 * back + 1),
            f"demo-{customer_id}-{back}",
        )
