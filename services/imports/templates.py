"""The columns of each import kind (the documented template) and the column mapping.

A CSV header (or an NDJSON key) names a field directly (case and `_`/`-` ignored:
`Customer_External_Id` is `customerExternalId`), or through the job's mapping
(`{"Mobile": "phone"}`). Custom attributes are `attributes.<key>`. Unknown columns are ignored
and reported in the job's result.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from services.imports.formats import csv_line

CUSTOMERS, PURCHASES, POINTS_BALANCES = "CUSTOMERS", "PURCHASES", "POINTS_BALANCES"
KINDS = (CUSTOMERS, PURCHASES, POINTS_BALANCES)
ATTRIBUTE_PREFIX = "attributes."


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    description: str
    example: str


CUSTOMER_REF = [
    Column("customerSystem", False, "the partner system of customerExternalId", "pos"),
    Column("customerExternalId", False, "the customer's id in that system", "P-1001"),
    Column("customerId", False, "or the customer's global id", ""),
]

TEMPLATES: dict[str, list[Column]] = {
    CUSTOMERS: [
        Column("externalSystem", False, "your system's name; matched first", "pos"),
        Column("externalId", False, "your id for the customer", "P-1001"),
        Column("name", True, "required when the customer is new", "Li Wei"),
        Column("phone", False, "any format; stored E.164, matched second", "+86 138 0013 8000"),
        Column("email", False, "matched third", "li.wei@example.com"),
        Column("gender", False, "FEMALE, MALE, OTHER, UNKNOWN", "FEMALE"),
        Column("birthday", False, "YYYY-MM-DD", "1990-03-07"),
        Column("city", False, "", "Hangzhou"),
        Column("region", False, "", "Zhejiang"),
        Column("address", False, "", ""),
        Column("acquisitionChannel", False, "", "store"),
        Column("marketingConsent", False, "true/false, yes/no, 1/0", "yes"),
        Column("tags", False, "separated by ; (added, never removed)", "vip;coffee"),
        Column("attributes.<key>", False, "a custom attribute, by its type", "42"),
    ],
    PURCHASES: [
        *CUSTOMER_REF,
        Column("externalId", False, "your purchase id: imported once (recommended)", "T-88"),
        Column("amount", True, "paid, at most 2 decimals", "128.00"),
        Column(
            "occurredAt",
            False,
            "ISO 8601; a date alone is midnight local",
            "2025-11-02T10:30:00+08:00",
        ),
        Column("storeId", False, "", "hz-01"),
        Column("channel", False, "", "store"),
        Column(
            "items",
            False,
            "JSON list of {sku, name, category, quantity, unitPrice}",
            '[{"sku":"LAT","name":"Latte","category":"coffee","quantity":1,"unitPrice":"28"}]',
        ),
    ],
    POINTS_BALANCES: [
        *CUSTOMER_REF,
        Column("points", True, "the opening balance from the old programme (>= 0)", "1500"),
        Column("reason", False, "recorded on the ledger", "balance from the old programme"),
    ],
}
CUSTOMER_REF_NOTE = "Give customerSystem + customerExternalId, or customerId."


def canonical(name: str) -> str:
    return re.sub(r"[\s_\-]", "", name).lower()


FIELDS: dict[str, dict[str, str]] = {
    kind: {canonical(c.name): c.name for c in columns if not c.name.startswith(ATTRIBUTE_PREFIX)}
    for kind, columns in TEMPLATES.items()
}


def resolve_columns(
    kind: str, headers: Sequence[str], mapping: dict[str, str]
) -> tuple[dict[str, str], list[str]]:
    """header -> field, and the headers ignored. The mapping wins over the header's own name."""
    known = FIELDS[kind]
    resolved: dict[str, str] = {}
    ignored: list[str] = []
    for header in headers:
        target = mapping.get(header, header)
        if kind == CUSTOMERS and target.startswith(ATTRIBUTE_PREFIX):
            resolved[header] = target
        elif canonical(target) in known:
            resolved[header] = known[canonical(target)]
        else:
            ignored.append(header)
    return resolved, ignored


def check_mapping(kind: str, mapping: dict[str, str]) -> list[str]:
    """Mapped fields that do not exist for the kind."""
    known = FIELDS[kind]
    return [
        f"{column} -> {field}"
        for column, field in mapping.items()
        if canonical(field) not in known
        and not (kind == CUSTOMERS and field.startswith(ATTRIBUTE_PREFIX))
    ]


def template_csv(kind: str) -> str:
    columns = TEMPLATES[kind]
    names = [c.name.replace("<key>", "shoeSize") for c in columns]
    return (csv_line(names) + csv_line([c.example for c in columns])).decode()
