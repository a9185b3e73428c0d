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

At most ``MINWON_TURNS_IN_FLIGHT`` turns (default 4; 0: no limit) run on the turn loop at once;
the others wait first come, first served. Every turn is CPU work between waits for the action
server and the database, so a process that starts every turn it is given shares its core among
all of them and every resident waits about as long as the slowest: under a burst of 50 Kakao
residents on two processes the slowest 1 % waited 1.2-1.5 s with no limit and 0.95-1.1 s with
it, at the same throughput (bench). The HTTP side is not held: Kakao's 3.5-second switch to the
callback still fires for a turn that is waiting here.

``MINWON_TURNS_ON_SERVER_LOOP=1`` runs turns on the server's loop as Rasa does (for comparison).
"""

from __future__ import annotations

import asyncio
import collections
import logging
import os
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")


class FifoGate:
    """At most ``limit`` holders at once; the others are let in strictly in arrival order.

    Used on one event loop only. ``asyncio.Semaphore`` in Python 3.10 lets a newcomer take a freed
    slot before the waiter it woke has run, so it is not first come, first served.
    """

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self.limit = limit
        self.held = 0
        self._waiting: collections.deque[asyncio.Future[None]] = collections.deque()

    @property
    def waiting(self) -> int:
        return sum(1 for f in self._waiting if not f.done())

    async def __aenter__(self) -> None:
        if self.held < self.limit and not self._waiting:
            self.held += 1
            return
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append(turn)
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self._release()  # the slot was handed over just as the waiter was cancelled
            else:
                self._waiting.remove(turn)
            raise

    async def __aexit__(self, *_: object) -> None:
        self._release()

    def _release(self) -> None:
        while self._waiting:
            turn = self._waiting.popleft()
            if not turn.done():
                turn.set_result(None)  # the slot passes straight to the next in line
                return
        self.held -= 1


class TurnThread:
    """One daemon thread running an event loop for turns, started on first use."""

    def __init__(self, name: str = "minwon-turns", in_flight: int = 0) -> None:
        self._name = name
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()
        self._in_flight = in_flight
        self._gate: FifoGate | None = None

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
        future = asyncio.run_coroutine_threadsafe(self._admitted(coroutine), self.loop())
        return await asyncio.shield(asyncio.wrap_future(future))

    async def _admitted(self, awaitable: Awaitable[T]) -> T:
        if self._in_flight < 1:
            return await awaitable
        if self._gate is None:  # created on the turn loop, the only loop that uses it
            self._gate = FifoGate(self._in_flight)
        async with self._gate:
            return await awaitable


def turns_in_flight(env: dict[str, str] | os._Environ[str] | None = None) -> int:
    settings = os.environ if env is None else env
    raw = settings.get("MINWON_TURNS_IN_FLIGHT", "").strip()
    try:
        return max(0, int(raw)) if raw else DEFAULT_TURNS_IN_FLIGHT
    except ValueError:
        logger.warning("turns_in_flight_ignored", extra={"value": raw})
        return DEFAULT_TURNS_IN_FLIGHT


# one turn on the CPU while others wait for the action server or the database, and a slow
# backend call does not hold up every other resident
DEFAULT_TURNS_IN_FLIGHT = 4
_shared = TurnThread(in_flight=turns_in_flight())


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
