"""How the local server hands its model instances to requests (no model loaded)."""

from __future__ import annotations

import asyncio
import collections
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from llama_cpp import LlamaState

from agents.llm._engine import Engine, PrefixStateCache, QueueFullError


def instance(name: str, tokens: list[int]) -> Any:
    """What the pool reads of a ``Llama``: the tokens its context holds, and its cache."""
    return SimpleNamespace(name=name, _input_ids=np.array(tokens, dtype=np.intc),
                           n_tokens=len(tokens), cache=None)


def pool(*instances: Any, queue: int = 8) -> Engine:
    engine = Engine.__new__(Engine)  # the pool alone: no model file
    engine._llamas = list(instances)
    engine._free = list(instances)
    engine._waiting = collections.deque()
    engine.queue_size = queue
    engine.busy = 0
    return engine


def test_a_free_instance_with_the_longest_prefix_is_chosen() -> None:
    a, b = instance("a", [1, 2, 3]), instance("b", [7, 8, 9, 10])

    async def main() -> list[str]:
        engine = pool(a, b)
        async with engine.slot([7, 8, 9, 11]) as first, engine.slot([1, 2, 5]) as second:
            return [first.name, second.name]

    assert asyncio.run(main()) == ["b", "a"]


def test_waiting_requests_are_served_in_arrival_order() -> None:
    only = instance("a", [])

    async def main() -> list[int]:
        engine = pool(only)
        served: list[int] = []

        async def request(i: int) -> None:
            async with engine.slot([i]):
                served.append(i)
                await asyncio.sleep(0.01)

        holder = asyncio.create_task(request(0))
        await asyncio.sleep(0)
        waiters = [asyncio.create_task(request(i)) for i in (1, 2, 3)]
        await asyncio.sleep(0)
        assert engine.waiting == 3
        # One arriving later queues behind them.
        late = asyncio.create_task(request(4))
        await asyncio.gather(holder, *waiters, late)
        return served

    assert asyncio.run(main()) == [0, 1, 2, 3, 4]


def test_a_full_queue_refuses_and_a_cancelled_waiter_loses_no_instance() -> None:
    async def main() -> None:
        engine = pool(instance("a", []), queue=1)
        async with engine.slot():
            gone = asyncio.create_task(engine.slot().__aenter__())
            await asyncio.sleep(0)
            with pytest.raises(QueueFullError):
                await engine.slot().__aenter__()
            gone.cancel()
            await asyncio.gather(gone, return_exceptions=True)
            assert engine.waiting == 0
        async with engine.slot() as again:  # the instance came back to the pool
            assert again.name == "a"

    asyncio.run(main())


def state(n_tokens: int, kv_bytes: int) -> LlamaState:
    return LlamaState(input_ids=np.zeros(64, dtype=np.intc),
                      scores=np.ones((min(n_tokens, 512), 1000), dtype=np.single),
                      n_tokens=n_tokens, llama_state=b"\0" * kv_bytes,
                      llama_state_size=kv_bytes, seed=0)


def test_cached_states_keep_one_row_of_logits_and_the_bound_counts_every_byte() -> None:
    one_row = 1000 * 4 + 64 * 4  # a row of logits and the token ids
    cache = PrefixStateCache(capacity_bytes=2 * (100 + one_row))
    cache[(1, 2, 3)] = state(600, 100)
    assert cache[(1, 2, 3, 4)].scores.shape == (1, 1000)  # found by its prefix
    assert cache.cache_size == 100 + one_row
    cache[(5, 6)] = state(2, 100)
    cache[(7, 8)] = state(2, 100)  # over the bound: the least recently used goes
    assert (1, 2, 3) not in cache and (5, 6) in cache and (7, 8) in cache
