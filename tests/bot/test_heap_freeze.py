"""bot/heap_freeze.py: after Rasa loads its agent, what is alive is frozen out of full collections,
so a full collection no longer stalls a turn for half a second (issue 11)."""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Iterator
from typing import Any

import pytest

from bot import heap_freeze


@pytest.fixture
def thawed() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_a_loaded_agent_is_frozen_and_a_full_collection_skips_it(thawed: None) -> None:
    held: list[Any] = []

    async def load(*_args: Any, **_kwargs: Any) -> str:
        held.extend([{"n": i, "l": [i]} for i in range(200_000)])  # a model's worth of objects
        return "agent"

    def full_collection_ms() -> float:
        started = time.perf_counter()
        gc.collect()
        return (time.perf_counter() - started) * 1000

    assert asyncio.run(heap_freeze.freezing_after(load)("model.tar.gz", loop=None)) == "agent"
    assert gc.get_freeze_count() >= 400_000
    frozen_ms = full_collection_ms()
    gc.unfreeze()
    assert full_collection_ms() > 3 * frozen_ms  # the same heap, walked again once thawed


def test_the_server_freezes_after_every_agent_load_once(thawed: None) -> None:
    import rasa.core.agent

    original = rasa.core.agent.load_agent
    try:
        heap_freeze.install()
        heap_freeze.install()
        patched = rasa.core.agent.load_agent
        assert getattr(patched, "freezes_heap", False)
        assert patched is not original
        heap_freeze.install()
        assert rasa.core.agent.load_agent is patched  # installed once
    finally:
        rasa.core.agent.load_agent = original
