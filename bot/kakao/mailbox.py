"""State the Kakao channel keeps between requests, because Kakao cannot be pushed to.

- ``Mailbox``: Rasa message dicts waiting for a resident (staff replies during a handoff, the answer
  of a turn that outlived the 5-second window), the further pages of a long answer, and how many
  turns of the resident are running. They are delivered with the resident's next response.
- ``RecentAnswers``: the answer given to each recent request body, so a redelivered or
  double-tapped request is answered the same way instead of running the turn twice.

Both are keyed by conversation id (``kakao:<botUserKey>``) and live in a ``StateStore``
(bot/state_store.py): bounded process memory for one Rasa process, Redis shared by every instance
when several run behind a balancer, so any instance serves "more", the mailbox and a repeat.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from bot.state_store import MemoryStateStore, StateStore, open_store

logger = logging.getLogger(__name__)

MAX_MESSAGES_PER_USER = 50
MAX_USERS = 100_000
MAX_RECENT = 10_000
PAGES_FOR_S = 3600.0  # "more" pages of an answer older than an hour are not wanted any more
MESSAGES_FOR_S = 7 * 24 * 3600.0  # a staff reply waits a week for the resident's next message
IN_FLIGHT_FOR_S = 600.0  # a count left by a crashed instance is forgotten after this
POLL_S = 0.05  # how often a repeat looks for the first request's answer


class Mailbox:
    def __init__(
        self,
        max_messages_per_user: int = MAX_MESSAGES_PER_USER,
        max_users: int = MAX_USERS,
        messages: StateStore | None = None,
        pages: StateStore | None = None,
        in_flight: StateStore | None = None,
    ) -> None:
        self._messages = messages or MemoryStateStore(max_users)
        self._pages = pages or MemoryStateStore(max_users)
        # turns running per user: a forgotten count only changes a waiting notice
        self._in_flight = in_flight or MemoryStateStore(max_users)
        self._max = max_messages_per_user

    @classmethod
    def open(cls) -> Mailbox:
        """The mailbox over the configured store (Redis when set, else memory)."""
        return cls(
            messages=open_store("kakao-mail", MAX_USERS),
            pages=open_store("kakao-pages", MAX_USERS),
            in_flight=open_store("kakao-turns", MAX_USERS),
        )

    async def put(self, sender_id: str, messages: list[dict[str, Any]]) -> None:
        if not messages:
            return
        if len(messages) + await self._messages.length(sender_id) > self._max:
            logger.warning("kakao_mailbox_full", extra={"conversation_id": sender_id})
        await self._messages.append(sender_id, list(messages), self._max, MESSAGES_FOR_S)

    async def take(self, sender_id: str) -> list[dict[str, Any]]:
        return await self._messages.pop_all(sender_id)

    async def has_messages(self, sender_id: str) -> bool:
        return await self._messages.length(sender_id) > 0

    def sizes(self) -> dict[str, int]:
        """How many users each in-memory map holds (for tests and diagnostics)."""
        return {
            name: len(store) if isinstance(store, MemoryStateStore) else -1
            for name, store in (
                ("messages", self._messages),
                ("pages", self._pages),
                ("in_flight", self._in_flight),
            )
        }

    async def set_pages(self, sender_id: str, pages: list[dict[str, Any]]) -> None:
        await self._pages.replace_list(sender_id, list(pages), PAGES_FOR_S)

    async def next_page(self, sender_id: str) -> dict[str, Any] | None:
        page = await self._pages.pop_first(sender_id)
        return page if isinstance(page, dict) else None

    async def drop_pages(self, sender_id: str) -> None:
        await self._pages.delete(sender_id)

    async def turn_started(self, sender_id: str) -> None:
        await self._in_flight.incr(sender_id, 1, IN_FLIGHT_FOR_S)

    async def turn_finished(self, sender_id: str) -> None:
        if await self._in_flight.incr(sender_id, -1) <= 0:
            await self._in_flight.delete(sender_id)

    async def has_turn_in_flight(self, sender_id: str) -> bool:
        return int(await self._in_flight.get(sender_id) or 0) > 0


RUNNING = "running"


class RecentAnswers:
    """Answers by request key, kept while the first request runs and ``window_s`` after.

    The first request claims the key (``SET NX`` in Redis, so exactly one instance runs the
    turn); a repeat, on any instance, waits for the answer the first one stores.
    """

    def __init__(
        self,
        window_s: float,
        store: StateStore | None = None,
        running_for_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        max_size: int = MAX_RECENT,
    ) -> None:
        self._window_s = window_s
        self._running_for_s = running_for_s  # a claim left by a crashed instance ends then
        self._clock = clock
        self._store = store or MemoryStateStore(max_size, clock=clock)

    @classmethod
    def open(cls, window_s: float, running_for_s: float) -> RecentAnswers:
        return cls(window_s, open_store("kakao-recent", MAX_RECENT), running_for_s)

    def __len__(self) -> int:
        return len(self._store) if isinstance(self._store, MemoryStateStore) else -1

    async def claim(self, key: str) -> bool:
        """``True`` when this request is new: the caller runs it and must ``finish`` or
        ``abandon``; ``False`` when an earlier one has the key (then ``wait_for`` its answer)."""
        return await self._store.set_if_absent(key, {"state": RUNNING}, self._running_for_s)

    async def answer(self, key: str) -> dict[str, Any] | None:
        entry = await self._store.get(key)
        if isinstance(entry, dict) and isinstance(entry.get("answer"), dict):
            return entry["answer"]  # type: ignore[no-any-return]
        return None

    async def wait_for(self, key: str, timeout_s: float) -> dict[str, Any] | None:
        """The first request's answer, or ``None`` when it is not there within ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        while True:
            answer = await self.answer(key)
            if answer is not None or time.monotonic() >= deadline:
                return answer
            await asyncio.sleep(POLL_S)

    async def finish(self, key: str, answer: dict[str, Any]) -> None:
        await self._store.set(key, {"state": "done", "answer": answer}, self._window_s)

    async def abandon(self, key: str) -> None:
        await self._store.delete(key)
