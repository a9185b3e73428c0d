"""The state channels keep between requests, in one small interface (issue 11).

Kakao mailboxes, "more" pages, turns in flight and recent answers; Telegram seen update ids,
pressed keyboards, button payloads and group notices; web-chat pending boxes. With one Rasa
process they live in its memory (``MemoryStateStore``: every map bounded, least recently used
out). With several Rasa processes behind a balancer a request may reach any of them, so the state
must be shared: ``RedisStateStore`` keeps it in the Redis the lock store already uses.

Configuration (one rule): when ``MINWON_REDIS_HOST`` is set — the variable endpoints.scale.yml's
lock store reads — every channel keeps its state in that Redis (``MINWON_REDIS_PORT``,
``MINWON_REDIS_PASSWORD``; database ``MINWON_REDIS_STATE_DB``, else the lock store's
``MINWON_REDIS_LOCK_DB``, else 0), under keys ``minwon:state:<namespace>:``. Otherwise in memory.

Values are JSON. Operations that two instances may race on are atomic in Redis: ``set_if_absent``
is ``SET NX`` (duplicate filters), ``pop_all`` and ``replace_list`` are MULTI/EXEC transactions,
``pop_first`` is ``LPOP``, ``incr`` is ``INCRBY`` (counters).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from bot.bounded import BoundedMap

logger = logging.getLogger(__name__)

KEY_PREFIX = "minwon:state"


class StateStore(ABC):
    """Keys of one namespace (e.g. ``kakao-mail``); every value is JSON-serialisable."""

    @abstractmethod
    async def get(self, key: str) -> Any | None: ...

    @abstractmethod
    async def set(self, key: str, value: Any, ttl_s: float | None = None) -> None: ...

    @abstractmethod
    async def set_if_absent(self, key: str, value: Any, ttl_s: float | None = None) -> bool:
        """Store ``value`` unless ``key`` exists; ``True`` when this call stored it."""

    @abstractmethod
    async def delete(self, key: str) -> None: ...

    @abstractmethod
    async def incr(self, key: str, by: int = 1, ttl_s: float | None = None) -> int:
        """Add ``by`` to a counter (0 when absent) and return it; ``ttl_s`` restarts its life."""

    @abstractmethod
    async def append(
        self, key: str, values: list[Any], max_len: int, ttl_s: float | None = None
    ) -> None:
        """Add ``values`` to the end of a list, keeping its newest ``max_len`` items."""

    @abstractmethod
    async def replace_list(self, key: str, values: list[Any], ttl_s: float | None = None) -> None:
        """Make the list exactly ``values`` (none: the key is gone)."""

    @abstractmethod
    async def pop_first(self, key: str) -> Any | None: ...

    @abstractmethod
    async def pop_all(self, key: str) -> list[Any]:
        """Return the whole list and remove it, at once: two readers never both get an item."""

    @abstractmethod
    async def length(self, key: str) -> int: ...


# --- in memory -----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Entry:
    value: Any
    expires_at: float | None


class MemoryStateStore(StateStore):
    """One process's state: at most ``max_keys`` keys, least recently used out, each key with its
    own time to live. Values are copied through JSON so a caller never shares a mutable object
    with the store (as with Redis)."""

    def __init__(self, max_keys: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._items: BoundedMap[str, _Entry] = BoundedMap(max_keys, clock=clock)
        self._clock = clock

    def __len__(self) -> int:
        """Live keys (for tests and diagnostics)."""
        return sum(1 for key in self._items if self._live(key) is not None)

    def _live(self, key: str) -> _Entry | None:
        entry = self._items.get(key)
        if entry is not None and entry.expires_at is not None and entry.expires_at <= self._clock():
            self._items.pop(key)
            return None
        return entry

    def _expiry(self, ttl_s: float | None) -> float | None:
        return None if ttl_s is None else self._clock() + ttl_s

    @staticmethod
    def _copy(value: Any) -> Any:
        return json.loads(json.dumps(value, ensure_ascii=False))

    async def get(self, key: str) -> Any | None:
        entry = self._live(key)
        if entry is None:
            return None
        if isinstance(entry.value, deque):
            return self._copy(list(entry.value))
        return self._copy(entry.value)

    async def set(self, key: str, value: Any, ttl_s: float | None = None) -> None:
        self._items.set(key, _Entry(self._copy(value), self._expiry(ttl_s)))

    async def set_if_absent(self, key: str, value: Any, ttl_s: float | None = None) -> bool:
        if self._live(key) is not None:
            return False
        await self.set(key, value, ttl_s)
        return True

    async def delete(self, key: str) -> None:
        self._items.pop(key)

    async def incr(self, key: str, by: int = 1, ttl_s: float | None = None) -> int:
        entry = self._live(key)
        value = (int(entry.value) if entry is not None else 0) + by
        expires = self._expiry(ttl_s) if ttl_s is not None or entry is None else entry.expires_at
        self._items.set(key, _Entry(value, expires))
        return value

    def _list(self, key: str, max_len: int | None = None) -> deque[Any]:
        entry = self._live(key)
        if entry is None or not isinstance(entry.value, deque):
            entry = _Entry(deque(maxlen=max_len), None)
            self._items.set(key, entry)
        return entry.value  # type: ignore[no-any-return]

    async def append(
        self, key: str, values: list[Any], max_len: int, ttl_s: float | None = None
    ) -> None:
        if not values:
            return
        items = self._list(key, max_len)
        if items.maxlen != max_len:
            items = deque(items, maxlen=max_len)
        items.extend(self._copy(values))
        self._items.set(key, _Entry(items, self._expiry(ttl_s)))

    async def replace_list(self, key: str, values: list[Any], ttl_s: float | None = None) -> None:
        if not values:
            self._items.pop(key)
            return
        self._items.set(key, _Entry(deque(self._copy(values)), self._expiry(ttl_s)))

    async def pop_first(self, key: str) -> Any | None:
        entry = self._live(key)
        if entry is None or not isinstance(entry.value, deque) or not entry.value:
            return None
        value = entry.value.popleft()
        if not entry.value:
            self._items.pop(key)
        return value

    async def pop_all(self, key: str) -> list[Any]:
        entry = self._live(key)
        self._items.pop(key)
        if entry is None or not isinstance(entry.value, deque):
            return []
        return list(entry.value)

    async def length(self, key: str) -> int:
        entry = self._live(key)
        if entry is None or not isinstance(entry.value, deque):
            return 0
        return len(entry.value)


# --- Redis ---------------------------------------------------------------------------------------


class RedisConnection:
    """One ``redis.asyncio`` client per event loop (a client's connections belong to the loop
    that opened them, and turns may run on a loop of their own: bot/turn_runner.py)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._clients: dict[int, tuple[asyncio.AbstractEventLoop, Any]] = {}

    def client(self) -> Any:
        import redis.asyncio as aioredis

        loop = asyncio.get_running_loop()
        known = self._clients.get(id(loop))
        if known is not None and known[0] is loop:
            return known[1]
        for loop_id, (old, _) in list(self._clients.items()):
            if old.is_closed():
                del self._clients[loop_id]
        client = aioredis.Redis.from_url(self.url, socket_timeout=5, socket_connect_timeout=5)
        self._clients[id(loop)] = (loop, client)
        return client


def _ms(ttl_s: float | None) -> int | None:
    return None if ttl_s is None else max(1, int(ttl_s * 1000))


class RedisStateStore(StateStore):
    """Keys ``minwon:state:<namespace>:<key>`` in a Redis shared by every Rasa instance."""

    def __init__(self, connection: RedisConnection, namespace: str) -> None:
        self._connection = connection
        self._prefix = f"{KEY_PREFIX}:{namespace}:"

    def _key(self, key: str) -> str:
        return self._prefix + key

    @staticmethod
    def _dump(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    @staticmethod
    def _load(raw: bytes | str | None) -> Any | None:
        return None if raw is None else json.loads(raw)

    async def get(self, key: str) -> Any | None:
        return self._load(await self._connection.client().get(self._key(key)))

    async def set(self, key: str, value: Any, ttl_s: float | None = None) -> None:
        await self._connection.client().set(self._key(key), self._dump(value), px=_ms(ttl_s))

    async def set_if_absent(self, key: str, value: Any, ttl_s: float | None = None) -> bool:
        stored = await self._connection.client().set(
            self._key(key), self._dump(value), px=_ms(ttl_s), nx=True
        )
        return bool(stored)

    async def delete(self, key: str) -> None:
        await self._connection.client().delete(self._key(key))

    async def incr(self, key: str, by: int = 1, ttl_s: float | None = None) -> int:
        async with self._connection.client().pipeline(transaction=True) as pipe:
            pipe.incrby(self._key(key), by)
            if ttl_s is not None:
                pipe.pexpire(self._key(key), _ms(ttl_s))
            result = await pipe.execute()
        return int(result[0])

    async def append(
        self, key: str, values: list[Any], max_len: int, ttl_s: float | None = None
    ) -> None:
        if not values:
            return
        name = self._key(key)
        async with self._connection.client().pipeline(transaction=True) as pipe:
            pipe.rpush(name, *(self._dump(v) for v in values))
            pipe.ltrim(name, -max_len, -1)
            if ttl_s is not None:
                pipe.pexpire(name, _ms(ttl_s))
            await pipe.execute()

    async def replace_list(self, key: str, values: list[Any], ttl_s: float | None = None) -> None:
        name = self._key(key)
        async with self._connection.client().pipeline(transaction=True) as pipe:
            pipe.delete(name)
            if values:
                pipe.rpush(name, *(self._dump(v) for v in values))
                if ttl_s is not None:
                    pipe.pexpire(name, _ms(ttl_s))
            await pipe.execute()

    async def pop_first(self, key: str) -> Any | None:
        return self._load(await self._connection.client().lpop(self._key(key)))

    async def pop_all(self, key: str) -> list[Any]:
        name = self._key(key)
        async with self._connection.client().pipeline(transaction=True) as pipe:
            pipe.lrange(name, 0, -1)
            pipe.delete(name)
            items, _ = await pipe.execute()
        return [self._load(raw) for raw in items]

    async def length(self, key: str) -> int:
        return int(await self._connection.client().llen(self._key(key)))


# --- configuration -------------------------------------------------------------------------------


def redis_url_from_env(env: Mapping[str, str]) -> str | None:
    """The state store's Redis URL, or ``None`` for memory (see the module docstring)."""
    host = (env.get("MINWON_REDIS_HOST") or "").strip()
    if not host:
        return None
    port = (env.get("MINWON_REDIS_PORT") or "6379").strip() or "6379"
    db = (env.get("MINWON_REDIS_STATE_DB") or env.get("MINWON_REDIS_LOCK_DB") or "0").strip()
    password = env.get("MINWON_REDIS_PASSWORD") or ""
    auth = f":{quote(password, safe='')}@" if password else ""
    return f"redis://{auth}{host}:{port}/{db or '0'}"


_connections: dict[str, RedisConnection] = {}


def open_store(
    namespace: str, max_keys: int, env: Mapping[str, str] | None = None
) -> StateStore:
    """The store for ``namespace``: Redis when configured, else a bounded memory store."""
    url = redis_url_from_env(os.environ if env is None else env)
    if url is None:
        return MemoryStateStore(max_keys)
    connection = _connections.get(url)
    if connection is None:
        connection = _connections[url] = RedisConnection(url)
        logger.info("channel_state_in_redis", extra={"namespace": namespace})
    return RedisStateStore(connection, namespace)
