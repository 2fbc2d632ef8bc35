"""Per-request DataLoaders, created on first use and keyed (brand_id, id)."""

from __future__ import annotations

from asyncio import Future
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader, LoaderTask, get_current_batch

from auth.context import Context

K = TypeVar("K")
V = TypeVar("V")
BrandKey = tuple[int, int]


class Loader(DataLoader[K, V]):
    """strawberry's DataLoader with a `load_many` for a whole level's keys: the same cache and
    batches, without a `gather` over a future per key and a done-callback on each (two event
    loop callbacks a key; a third of loading a wide page's memberships)."""

    def load_many(self, keys: Iterable[K]) -> Awaitable[list[V]]:
        futures: list[Future[V]] = []
        for key in keys:
            future = self.cache_map.get(key) if self.cache else None
            if future is None or future.cancelled():
                future = self.loop.create_future()
                if self.cache:
                    self.cache_map.set(key, future)
                get_current_batch(self).tasks.append(LoaderTask(key, future))
            futures.append(future)
        return _results(futures)


async def _results(futures: list[Future[V]]) -> list[V]:
    try:
        for future in futures:
            if not future.done():  # futures of one batch are resolved together
                await future
        return [future.result() for future in futures]
    except BaseException:
        for future in futures:  # the others' errors are seen, as gather would (no log noise)
            future.add_done_callback(_retrieve)
        raise


def _retrieve(future: Future[Any]) -> None:
    if not future.cancelled():
        future.exception()


def get_loader(
    context: Context,
    name: str,
    batch: Callable[[Sequence[BrandKey]], Awaitable[Sequence[Any]]],
) -> DataLoader[BrandKey, Any]:
    loader = context.loaders.get(name)
    if loader is None:
        loader = Loader(load_fn=batch)
        context.loaders[name] = loader
    return loader


def group_by_brand(keys: Sequence[BrandKey]) -> dict[int, list[int]]:
    grouped: dict[int, list[int]] = {}
    for brand_id, pk in keys:
        grouped.setdefault(brand_id, []).append(pk)
    return grouped
