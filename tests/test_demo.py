"""The quickstart's demo brand: what a first-time user sees after `python3 run.py serve`."""

from __future__ import annotations

from auth.scopes import ALL_SCOPES
from config import Settings
from services.brands.demo import ensure_demo
from tests.support import GraphQL, mint

QUERY = """
{ customers(first: 10, orderBy: {field: NAME, direction: ASC}) { edges { node { name
  membership { tier { name } } points { available } purchases(first: 10) { edges { node { id } } }
} } } }
"""


async def test_demo_brand_has_members_with_history(gql: GraphQL, settings: Settings) -> None:
    demo = await ensure_demo(sorted(ALL_SCOPES))
    again = await ensure_demo(sorted(ALL_SCOPES))  # `serve --demo` runs it on every start
    assert again.app.id == demo.app.id
    token = mint(settings, demo.app.id, demo.brand.slug, " ".join(sorted(ALL_SCOPES)))
    data = await gql.data(QUERY, token=token)
    members = {e["node"]["name"]: e["node"] for e in data["customers"]["edges"]}
    assert len(members) == 3
    assert members["Li Wei"]["membership"]["tier"]["name"] == "Silver"  # 4 months in a row
    assert len(members["Li Wei"]["purchases"]["edges"]) == 4
    assert all(m["points"]["available"] > 0 for m in members.values())
