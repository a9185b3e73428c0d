"""Run Rasa turns on an event loop of their own, so the server's loop stays free to answer.

A turn is mostly CPU work in Python (NLU, policies, validating action responses). On the loop
that serves HTTP, that work delays every timer: under load Kakao's 3.5-second switch to the
callback fired seconds late, past Kakao's 5-second limit (issue 11). The channels therefore hand
``on_new_message`` to one turn thread with its own event loop; the server's loop only parses
requests, waits and writes answers, and gets the interpreter back at least every switch interval
(5 ms) however busy the turn thread is. Turns still run one at a time per process, as before (the
GIL allows no more); Rasa's lock store orders the turns of one conversation as before.

Everything a turn touches must work from that loop: Rasa opens an aiohttp session per action
call, the SQL tracker store and the Redis lock store are synchronous and thread-safe, and the
channel state store opens one Redis client per loop (bot/state_store.py).

``MINWON_TURNS_ON_SERVER_LOOP=1`` runs turns on the server's loop as Rasa does (for comparison).
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")


class TurnThread:
    """One daemon thread running an event loop for turns, started on first use."""

    def __init__(self, name: str = "minwon-turns") -> None:
        self._name = name
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()

    def loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None or self._loop.is_closed():
                loop = asyncio.new_event_loop()
                ready = threading.Event()

                def run() -> None:
                    asyncio.set_event_loop(loop)
                    loop.call_soon(ready.set)
                    loop.run_forever()

                threading.Thread(target=run, name=self._name, daemon=True).start()
                ready.wait()
                self._loop = loop
                logger.info("turn_thread_started")
            return self._loop

    async def run(self, coroutine: Awaitable[T]) -> T:
        """Run ``coroutine`` on the turn loop and wait for it from the calling loop.

        Cancelling the caller does not cancel the turn (a cancelled Rasa turn is never saved).
        """
        future = asyncio.run_coroutine_threadsafe(_as_coroutine(coroutine), self.loop())
        return await asyncio.shield(asyncio.wrap_future(future))


async def _as_coroutine(awaitable: Awaitable[T]) -> T:
    return await awaitable


_shared = TurnThread()


def off_loop(
    on_new_message: Callable[..., Awaitable[Any]],
    env: dict[str, str] | os._Environ[str] | None = None,
) -> Callable[..., Awaitable[Any]]:
    """Wrap a channel's ``on_new_message`` so each turn runs on the shared turn thread."""
    settings = os.environ if env is None else env
    if settings.get("MINWON_TURNS_ON_SERVER_LOOP", "") in {"1", "true", "yes"}:
        return on_new_message

    async def run_off_loop(*args: Any, **kwargs: Any) -> Any:
        return await _shared.run(on_new_message(*args, **kwargs))

    return run_off_loop
