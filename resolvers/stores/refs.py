"""`storeId` inputs: a Store global id, or (for inputs that took free text before stores
existed) a store code. See services/stores/refs.py."""

from __future__ import annotations

from dataclasses import replace

from resolvers.ids import BadGlobalId, decode_id
from services.offers.coupons import Cart
from services.stores import refs as store_refs
from services.stores.refs import StoreRef


def store_ref(value: str | None) -> StoreRef | None:
    if value is None or not value.strip():
        return None
    try:
        return StoreRef(pk=decode_id(value.strip(), "Store"))
    except BadGlobalId:
        return StoreRef(code=value)


async def cart_with_store_code(brand_id: int, cart: Cart) -> Cart:
    """Offers name stores by code: a cart's Store id is read as that store's code."""
    ref = store_ref(cart.store_id)
    if ref is None or ref.pk is None:
        return cart
    store = await store_refs.lookup(brand_id, ref, "cart.storeId")
    return replace(cart, store_id=store.code if store else None)
