"""Referral codes: one per customer, stable once made, short and unguessable.

8 symbols from a 31-symbol alphabet without look-alikes (no 0/O, 1/I/L): about 40 random bits
from `secrets`, so codes cannot be enumerated from one another. A customer's code is made
the first time it is read (one idempotent insert for a whole page of customers); unique
constraints on the customer and on (brand, code) keep it one code each, races included.
"""

from __future__ import annotations

import secrets

from models.referrals import ReferralCode

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 8
ATTEMPTS = 4


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalize(code: str) -> str:
    """As people type it: any case, spaces or dashes."""
    return code.strip().upper().replace("-", "").replace(" ", "")[:32]


async def codes_for(brand_id: int, customer_ids: list[int]) -> dict[int, str]:
    """Each customer's code (the customers are the brand's: the caller checked)."""
    wanted = sorted(set(customer_ids))
    found: dict[int, str] = {}
    for _ in range(ATTEMPTS):
        rows = await ReferralCode.filter(brand_id=brand_id, customer_id__in=wanted).values_list(
            "customer_id", "code"
        )
        found.update({int(c): str(code) for c, code in rows})
        missing = [c for c in wanted if c not in found]
        if not missing:
            return found
        # A colliding code (or a concurrent reader's insert) is ignored: read, then retry.
        await ReferralCode.bulk_create(
            [ReferralCode(brand_id=brand_id, customer_id=c, code=new_code()) for c in missing],
            ignore_conflicts=True,
        )
    raise RuntimeError("could not allocate referral codes")


async def referrer_of(brand_id: int, code: str) -> int | None:
    found = await ReferralCode.get_or_none(brand_id=brand_id, code=normalize(code))
    return found.customer_id if found else None
