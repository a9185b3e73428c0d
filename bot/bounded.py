"""A bounded, least-recently-used map for the state channels keep between requests.

Every map a request can grow (Kakao mailboxes and pages, Telegram group notices, web-chat pending
boxes, kept messages) is one of these: past ``max_size`` keys the least recently used goes, and
with ``ttl_s`` an entry older than that is gone too, so no client can make the process grow.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class BoundedMap(Generic[K, V]):
    def __init__(
        self,
        max_size: int,
        ttl_s: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_size < 1:
            raise ValueError("max_size must be at least 1")
        self.max_size = max_size
        self._ttl_s = ttl_s
        self._clock = clock
        self._items: OrderedDict[K, tuple[V, float]] = OrderedDict()

    def _expire(self) -> None:
        if self._ttl_s is None:
            return
        oldest_allowed = self._clock() - self._ttl_s
        while self._items:
            key, (_, stamp) = next(iter(self._items.items()))
            if stamp >= oldest_allowed:
                break
            del self._items[key]

    def __len__(self) -> int:
        self._expire()
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        self._expire()
        return key in self._items

    def __iter__(self) -> Iterator[K]:
        self._expire()
        return iter(list(self._items))

    def get(self, key: K, default: V | None = None) -> V | None:
        self._expire()
        item = self._items.get(key)
        return default if item is None else item[0]

    def set(self, key: K, value: V) -> None:
        """Store ``value`` as the most recent entry, dropping the oldest past ``max_size``."""
        self._expire()
        self._items[key] = (value, self._clock())
        self._items.move_to_end(key)
        while len(self._items) > self.max_size:
            self._items.popitem(last=False)

    def setdefault(self, key: K, factory: Callable[[], V]) -> V:
        """Return the value for ``key`` (made by ``factory`` when absent), marked most recent."""
        self._expire()
        item = self._items.get(key)
        if item is None:
            value = factory()
            self.set(key, value)
            return value
        self._items[key] = (item[0], self._clock())
        self._items.move_to_end(key)
        return item[0]

    def pop(self, key: K, default: V | None = None) -> V | None:
        self._expire()
        item = self._items.pop(key, None)
        return default if item is None else item[0]
