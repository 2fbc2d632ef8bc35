"""What `crm analytics refresh` rebuilds per brand in set-based statements (tortoise app
`analytics`): products, basket counts, the reports' caches, scores, clusters and runs
(docs/analytics.md)."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


class Product(Model):
    """An item a brand sells, identified by its SKU, derived from purchase items on refresh."""

    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "crm.Brand", related_name="products", on_delete=fields.CASCADE
    )
    brand_id: int
    sku = fields.CharField(max_length=64)
    name = fields.CharField(max_length=200)
    category = fields.CharField(max_length=64, null=True)

    class Meta:
        app = "analytics"
        table = "analytics_products"
        unique_together = (("brand", "sku"),)


class BasketMonth(Model):
    """How many baskets (purchases with items) a brand had in a month (brand's zone)."""

    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "crm.Brand", related_name="basket_months", on_delete=fields.CASCADE
    )
    brand_id: int
    month = fields.IntField(description="year * 12 + month - 1")
    baskets = fields.IntField()

    class Meta:
        app = "analytics"
        table = "analytics_basket_months"
        indexes = (("brand_id", "month"),)


class ItemMonth(Model):
    """Baskets holding a product, per month."""

    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "crm.Brand", related_name="item_months", on_delete=fields.CASCADE
    )
    brand_id: int
    month = fields.IntField()
    product_id = fields.BigIntField()
    baskets = fields.IntField()

    class Meta:
        app = "analytics"
        table = "analytics_item_months"
        indexes = (("brand_id", "month"), ("brand_id", "product_id"))


class ItemPairMonth(Model):
    """Baskets holding both products (product_a < product_b), per month."""

    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "crm.Brand", related_name="item_pair_months", on_delete=fields.CASCADE
    )
    brand_id: int
    month = fields.IntField()
    product_a = fields.BigIntField()
    product_b = fields.BigIntField()
    baskets = fields.IntField()

    class Meta:
        app = "analytics"
        table = "analytics_item_pairs"
        indexes = (("brand_id", "month"), ("brand_id", "product_a"), ("brand_id", "product_b"))


class ActiveDay(Model):
    """How many customers bought on `day` whose previous buying day was `prev_day` (null when
    none): the buying days of `daily_spend` grouped (about 15 times fewer rows), enough to
    count a range's buyers (a row whose `prev_day` is before the range is a buyer's first day
    in it) without grouping by customer. No foreign key in the database (a cache the refresh
    rebuilds for the brand; an erased customer's go with the next refresh). UNLOGGED on
    PostgreSQL (migration 0002): a crash empties it until the next refresh."""

    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "crm.Brand", related_name="active_days", on_delete=fields.CASCADE, db_constraint=False
    )
    brand_id: int
    day = fields.IntField()
    prev_day = fields.IntField(null=True)
    customers = fields.IntField()

    class Meta:
        app = "analytics"
        table = "analytics_active_days"
        indexes = (("brand_id", "day"),)


class RepeatCorner(Model):
    """Weights whose sum over `before_day < range start AND through_day <= range end` is the
    range's buyers and the buyers with exactly one purchase in it (what repeatPurchaseRate
    needs), grouped from the buying days so that a year's report sums thousands of rows, not
    a million (services/analytics/rollups._repeat_corners derives them). No database foreign
    key and UNLOGGED on PostgreSQL (as ActiveDay)."""

    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "crm.Brand", related_name="repeat_corners", on_delete=fields.CASCADE, db_constraint=False
    )
    brand_id: int
    before_day = fields.IntField()
    through_day = fields.IntField()
    buyers = fields.IntField()
    singles = fields.IntField()

    class Meta:
        app = "analytics"
        table = "analytics_repeat_corners"
        indexes = (("brand_id", "before_day"),)


class CohortDay(Model):
    """Of the customers whose first purchase was on `first_day`, how many bought on `day` for
    the first time in that day's calendar month (`month_starts`) and week (`week_starts`):
    a cohort matrix sums these. No database foreign key and UNLOGGED (as ActiveDay)."""

    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "crm.Brand", related_name="cohort_days", on_delete=fields.CASCADE, db_constraint=False
    )
    brand_id: int
    first_day = fields.IntField()
    day = fields.IntField()
    month_starts = fields.IntField()
    week_starts = fields.IntField()

    class Meta:
        app = "analytics"
        table = "analytics_cohort_days"
        indexes = (("brand_id", "first_day"),)


class SalesDay(Model):
    """Purchases and revenue of a day (brand's zone) per store, channel, tier or category."""

    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "crm.Brand", related_name="sales_days", on_delete=fields.CASCADE
    )
    brand_id: int
    dimension = fields.CharField(max_length=8)
    key = fields.CharField(max_length=200, null=True)
    day = fields.IntField()
    purchases = fields.IntField()
    revenue_cents = fields.BigIntField()

    class Meta:
        app = "analytics"
        table = "analytics_sales_days"
        indexes = (("brand_id", "dimension", "day"),)


class DayTotal(Model):
    """Purchases, net revenue, customers registered and points issued and redeemed on a day
    (brand's zone)."""

    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "crm.Brand", related_name="day_totals", on_delete=fields.CASCADE
    )
    brand_id: int
    day = fields.IntField()
    purchases = fields.IntField()
    cents = fields.BigIntField()
    new_customers = fields.IntField()
    points_issued = fields.BigIntField()
    points_redeemed = fields.BigIntField()

    class Meta:
        app = "analytics"
        table = "analytics_day_totals"
        indexes = (("brand_id", "day"),)


class CustomerScore(Model):
    """A customer's features, churn probability and cluster as of the last refresh."""

    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "crm.Brand", related_name="customer_scores", on_delete=fields.CASCADE
    )
    brand_id: int
    customer: fields.OneToOneRelation[Any] = fields.OneToOneField(
        "crm.Customer", related_name="analytics_score", on_delete=fields.CASCADE
    )
    customer_id: int
    recency_days = fields.IntField()
    frequency = fields.IntField()
    monetary_cents = fields.BigIntField()
    tenure_days = fields.IntField()
    events_30d = fields.IntField()
    cart_adds_30d = fields.IntField()
    churn_probability = fields.FloatField(null=True)
    cluster = fields.IntField(null=True)
    refreshed_at = fields.DatetimeField()

    class Meta:
        app = "analytics"
        table = "analytics_customer_scores"
        indexes = (("brand_id", "churn_probability"), ("brand_id", "cluster"))


class CustomerCluster(Model):
    """One k-means cluster of a brand's buyers: its size and centroid (original units)."""

    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "crm.Brand", related_name="customer_clusters", on_delete=fields.CASCADE
    )
    brand_id: int
    number = fields.IntField(description="1 = the highest-spending cluster")
    label = fields.CharField(max_length=200)
    size = fields.IntField()
    centroid: fields.JSONField[dict[str, float]] = fields.JSONField()

    class Meta:
        app = "analytics"
        table = "analytics_clusters"
        unique_together = (("brand", "number"),)


class AnalyticsRun(Model):
    """One `crm analytics refresh` of a brand: what it fitted and how well (docs/analytics.md)."""

    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "crm.Brand", related_name="analytics_runs", on_delete=fields.CASCADE
    )
    brand_id: int
    finished_at = fields.DatetimeField()
    seconds = fields.FloatField()
    churn: fields.JSONField[dict[str, Any]] = fields.JSONField()
    clusters: fields.JSONField[dict[str, Any]] = fields.JSONField()
    counts: fields.JSONField[dict[str, Any]] = fields.JSONField()

    class Meta:
        app = "analytics"
        table = "analytics_runs"
        indexes = (("brand_id", "finished_at"),)
