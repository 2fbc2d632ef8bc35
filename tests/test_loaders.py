"""resolvers/loaders.Loader: a level's keys in one batch with whatever else loads that tick."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from resolvers.loaders import Loader


class Recorder:
    def __init__(self) -> None:
        self.batches: list[list[int]] = []

    async def __call__(self, keys: Sequence[int]) -> list[object]:
        self.batches.append(list(keys))
        return [KeyError(key) if key < 0 else key * 10 for key in keys]


async def test_load_many_joins_the_ticks_batch_and_keeps_order() -> None:
    recorder = Recorder()
    loader: Loader[int, object] = Loader(load_fn=recorder)
    single = loader.load(7)
    many, other = await asyncio.gather(loader.load_many([3, 1, 3, 2]), loader.load_many([7, 4]))
    assert many == [30, 10, 30, 20] and other == [70, 40] and await single == 70
    assert recorder.batches == [[7, 3, 1, 2, 4]]


async def test_cached_keys_are_not_loaded_again() -> None:
    recorder = Recorder()
    loader: Loader[int, object] = Loader(load_fn=recorder)
    assert await loader.load_many([1, 2]) == [10, 20]
    assert await loader.load_many([2, 3, 1]) == [20, 30, 10]
    assert await loader.load_many([]) == []
    assert recorder.batches == [[1, 2], [3]]


async def test_a_keys_error_is_raised_and_the_rest_stay_cached() -> None:
    recorder = Recorder()
    loader: Loader[int, object] = Loader(load_fn=recorder)
    with pytest.raises(KeyError):
        await loader.load_many([1, -1])
    assert await loader.load(1) == 10
    assert recorder.batches == [[1, -1]]


async def test_a_failing_batch_fails_every_caller() -> None:
    async def broken(keys: Sequence[int]) -> list[int]:
        raise RuntimeError("database down")

    loader: Loader[int, int] = Loader(load_fn=broken)
    results = await asyncio.gather(loader.load_many([1, 2]), loader.load(3), return_exceptions=True)
    assert all(isinstance(r, RuntimeError) for r in results)
