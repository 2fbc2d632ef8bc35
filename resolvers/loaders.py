"""Per-request DataLoaders, created on first use and keyed (brand_id, id)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader

from auth.context import Context

K = TypeVar("K")
V = TypeVar("V")
BrandKey = tuple[int, int]


def get_loader(
    context: Context,
    name: str,
    batch: Callable[[Sequence[BrandKey]], Awaitable[Sequence[Any]]],
) -> DataLoader[BrandKey, Any]:
    loader = context.loaders.get(name)
    if loader is None:
        loader = DataLoader(load_fn=batch)
        context.loaders[name] = loader
    return loader


def group_by_brand(keys: Sequence[BrandKey]) -> dict[int, list[int]]:
    grouped: dict[int, list[int]] = {}
    for brand_id, pk in keys:
        grouped.setdefault(brand_id, []).append(pk)
    return grouped
