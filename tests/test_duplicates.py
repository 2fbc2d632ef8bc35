"""customer.possibleDuplicates: a similar name plus a phone or email that looks the same."""

from __future__ import annotations

from config import Settings
from services.customers.duplicates import canonical_email, name_score, name_tokens, phone_tail
from tests.support import GraphQL, app_token, create_customer, error_codes, make_brand

DUPES = """query($id: ID!, $first: Int!) { customer(id: $id) {
  possibleDuplicates(first: $first) { customer { id name } score reasons } } }"""


def test_normalisation() -> None:
    assert canonical_email("Li.Wei+shop@GoogleMail.com") == "liwei@gmail.com"
    assert canonical_email("li.wei+x@example.com") == "li.wei@example.com"
    assert phone_tail("+86 138 0013 8000") == phone_tail("13800138000") == "00138000"
    assert name_score("Wei LI", "li  wei") == 1.0
    assert name_score("Zhang San", "Zhang Sna") > 0.7
    assert name_score("Zhang San", "Olga Petrova") < 0.6
    assert name_tokens("李伟明") == ["李伟", "伟明"]
    assert name_tokens("  Mary-Ann O'Neil ") == ["mary", "ann", "neil"]


async def test_similar_name_plus_phone_or_email(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand(phone_region="CN")
    token = await app_token(settings, brand)
    other = await app_token(settings, await make_brand("other"))
    li = await create_customer(
        gql, token, name="Li Wei", phone="+8613951234567", email="li.wei@gmail.com"
    )
    same_mail = await create_customer(gql, token, name="Wei Li", email="liwei+shop@gmail.com")
    same_phone = await create_customer(gql, token, name="Li  Wei.", phone="+85251234567")
    local_part = await create_customer(gql, token, name="LI WEI", email="liwei@work.example.com")
    await create_customer(gql, token, name="Li Wei")  # no contact in common: not flagged
    await create_customer(gql, token, name="Olga", phone="+8613900138000")  # other name
    await create_customer(gql, token, name="Xu Ming", email="li.wei@example.com")
    await create_customer(gql, other, name="Li Wei", email="l.i.wei@gmail.com")  # other brand
    found = (await gql.data(DUPES, {"id": li["id"], "first": 10}, token))["customer"][
        "possibleDuplicates"
    ]
    by_name = {d["customer"]["id"]: d for d in found}
    assert set(by_name) == {same_mail["id"], same_phone["id"], local_part["id"]}
    assert by_name[same_mail["id"]]["reasons"] == ["NAME", "EMAIL"]
    assert by_name[same_phone["id"]]["reasons"] == ["NAME", "PHONE"]
    assert by_name[local_part["id"]]["reasons"] == ["NAME", "EMAIL_LOCAL_PART"]
    assert all(0.6 <= d["score"] <= 1 for d in found)
    assert [d["score"] for d in found] == sorted((d["score"] for d in found), reverse=True)
    one = await gql.data(DUPES, {"id": li["id"], "first": 1}, token)
    assert len(one["customer"]["possibleDuplicates"]) == 1
    assert error_codes(await gql.post(DUPES, {"id": li["id"], "first": 51}, token)) == [
        "BAD_USER_INPUT"
    ]
