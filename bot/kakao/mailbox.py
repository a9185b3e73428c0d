"""State the Kakao channel keeps between requests, because Kakao cannot be pushed to.

- ``Mailbox``: Rasa message dicts waiting for a resident (staff replies during a handoff, the answer
  of a turn that outlived the 5-second window) and the further pages of a long answer. They are
  delivered with the resident's next response.
- ``RecentAnswers``: the answer given to each recent request body, so a redelivered or
  double-tapped request is answered the same way instead of running the turn twice.

Both are keyed by conversation id (``kakao:<botUserKey>``) and live in process memory, every map
bounded: with several Rasa instances, route one Kakao user to one instance (the botUserKey is a
good sticky key) or replace these two classes with Redis-backed ones.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from typing import Any

from bot.bounded import BoundedMap

logger = logging.getLogger(__name__)

MAX_MESSAGES_PER_USER = 50
MAX_USERS = 100_000
MAX_RECENT = 10_000
PAGES_FOR_S = 3600.0  # "more" pages of an answer older than an hour are not wanted any more


class Mailbox:
    def __init__(
        self, max_messages_per_user: int = MAX_MESSAGES_PER_USER, max_users: int = MAX_USERS
    ) -> None:
        self._messages: OrderedDict[str, deque[dict[str, Any]]] = OrderedDict()
        self._pages: BoundedMap[str, list[dict[str, Any]]] = BoundedMap(max_users, PAGES_FOR_S)
        # turns running per user: bounded too, a forgotten count only changes a waiting notice
        self._in_flight: BoundedMap[str, int] = BoundedMap(max_users)
        self._max = max_messages_per_user
        self._max_users = max_users

    def put(self, sender_id: str, messages: list[dict[str, Any]]) -> None:
        if not messages:
            return
        box = self._messages.setdefault(sender_id, deque())
        self._messages.move_to_end(sender_id)
        for message in messages:
            if len(box) >= self._max:
                box.popleft()
                logger.warning("kakao_mailbox_full", extra={"conversation_id": sender_id})
            box.append(message)
        while len(self._messages) > self._max_users:
            self._messages.popitem(last=False)

    def take(self, sender_id: str) -> list[dict[str, Any]]:
        return list(self._messages.pop(sender_id, ()))

    def has_messages(self, sender_id: str) -> bool:
        return bool(self._messages.get(sender_id))

    def sizes(self) -> dict[str, int]:
        """How many users each map holds (for tests and diagnostics)."""
        return {
            "messages": len(self._messages),
            "pages": len(self._pages),
            "in_flight": len(self._in_flight),
        }

    def set_pages(self, sender_id: str, pages: list[dict[str, Any]]) -> None:
        if pages:
            self._pages.set(sender_id, list(pages))
        else:
            self._pages.pop(sender_id)

    def next_page(self, sender_id: str) -> dict[str, Any] | None:
        pages = self._pages.get(sender_id)
        if not pages:
            return None
        page = pages.pop(0)
        if not pages:
            self._pages.pop(sender_id)
        return page

    def drop_pages(self, sender_id: str) -> None:
        self._pages.pop(sender_id)

    def turn_started(self, sender_id: str) -> None:
        self._in_flight.set(sender_id, (self._in_flight.get(sender_id) or 0) + 1)

    def turn_finished(self, sender_id: str) -> None:
        left = (self._in_flight.get(sender_id) or 0) - 1
        if left > 0:
            self._in_flight.set(sender_id, left)
        else:
            self._in_flight.pop(sender_id)

    def has_turn_in_flight(self, sender_id: str) -> bool:
        return sender_id in self._in_flight


class RecentAnswers:
    """Answers by request key, kept while the first request runs and ``window_s`` after."""

    def __init__(
        self,
        window_s: float,
        clock: Callable[[], float] = time.monotonic,
        max_size: int = MAX_RECENT,
    ) -> None:
        self._window_s = window_s
        self._clock = clock
        self._max = max_size
        self._entries: OrderedDict[str, tuple[asyncio.Future[dict[str, Any]], float | None]] = (
            OrderedDict()
        )

    def _purge(self) -> None:
        now = self._clock()
        for key in [k for k, (_, exp) in self._entries.items() if exp is not None and exp < now]:
            del self._entries[key]
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)

    def claim(self, key: str) -> asyncio.Future[dict[str, Any]] | None:
        """Return the earlier request's future answer, or ``None`` when this request is new
        (the caller then owns the key and must call ``finish`` or ``abandon``)."""
        self._purge()
        entry = self._entries.get(key)
        if entry is not None:
            return entry[0]
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._entries[key] = (future, None)
        self._purge()
        return None

    def finish(self, key: str, answer: dict[str, Any]) -> None:
        entry = self._entries.get(key)
        if entry is None:
            return
        future, _ = entry
        if not future.done():
            future.set_result(answer)
        self._entries[key] = (future, self._clock() + self._window_s)

    def abandon(self, key: str) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None and not entry[0].done():
            entry[0].cancel()
