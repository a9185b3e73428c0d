"""Once the model is loaded, the objects alive then are taken out of the collector's sight.

A Rasa process with minwon's model holds some 750,000 objects tracked by Python's cyclic garbage
collector (TensorFlow, the two DIETs, Kiwi, Sanic), nearly all of them kept for the life of the
process. Each full collection walks all of them: 420 ms measured with the NLU model alone, and a
turn in flight when one starts waits for it. In the throughput benchmark one turn in the first
levels took 0.6-0.8 s for that reason, every run. ``gc.freeze()`` right after the model has loaded
(after one collection of what loading left behind) moves those objects to a permanent generation
the collector skips, so a full collection only looks at what turns created since (Python's
documentation recommends it for long-lived servers; Instagram's write-up is the usual reference).
A model loaded later over the HTTP API is frozen the same way.
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

logger = logging.getLogger(__name__)


def freeze_now() -> int:
    """Collects once, then freezes every object alive; returns how many are now frozen."""
    started = time.monotonic()
    gc.collect()
    gc.freeze()
    frozen = gc.get_freeze_count()
    logger.info("Froze %d objects out of garbage collection in %.1f s.", frozen,
                time.monotonic() - started)
    return frozen


def freezing_after(load: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """``load`` (Rasa's agent loader), followed by :func:`freeze_now` once it has loaded."""
    async def load_then_freeze(*args: Any, **kwargs: Any) -> Any:
        loaded = await load(*args, **kwargs)
        freeze_now()
        return loaded

    load_then_freeze.freezes_heap = True  # type: ignore[attr-defined]
    return load_then_freeze


def install() -> None:
    """Freezes the heap whenever Rasa has loaded an agent: at start (``rasa.core.run`` calls
    ``rasa.core.agent.load_agent``) and when a model is replaced over the HTTP API (idempotent)."""
    import rasa.core.agent

    if not getattr(rasa.core.agent.load_agent, "freezes_heap", False):
        rasa.core.agent.load_agent = freezing_after(  # type: ignore[assignment]
            rasa.core.agent.load_agent)
