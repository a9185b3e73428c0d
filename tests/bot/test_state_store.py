"""bot/state_store.py: the same behaviour in process memory and in a real Redis, and the Redis
operations two Rasa instances race on give one winner."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
import redis

from bot.state_store import (
    MemoryStateStore,
    RedisConnection,
    RedisStateStore,
    StateStore,
    open_store,
    redis_url_from_env,
)
from tests.bot.servers import free_port


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    binary = shutil.which("redis-server")
    assert binary, "redis-server is installed by scripts/setup.sh"
    port = free_port()
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        client = redis.Redis(host="127.0.0.1", port=port)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(10)


def redis_store(url: str) -> RedisStateStore:
    """A fresh namespace on its own connection, as another Rasa instance would have."""
    return RedisStateStore(RedisConnection(url), f"t{uuid.uuid4().hex[:8]}")


@pytest.fixture(params=["memory", "redis"])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[StateStore]:
    if request.param == "memory":
        yield MemoryStateStore(max_keys=100)
    else:
        yield redis_store(request.getfixturevalue("redis_url"))


async def test_values_round_trip_as_json_and_expire(store: StateStore) -> None:
    await store.set("a", {"text": "등본", "n": [1, 2]})
    assert await store.get("a") == {"text": "등본", "n": [1, 2]}
    assert await store.get("missing") is None
    await store.set("short", 1, ttl_s=0.1)
    await asyncio.sleep(0.2)
    assert await store.get("short") is None
    await store.delete("a")
    assert await store.get("a") is None


async def test_set_if_absent_lets_one_caller_win_until_the_key_expires(store: StateStore) -> None:
    assert await store.set_if_absent("update:7", 1, ttl_s=0.2)
    assert not await store.set_if_absent("update:7", 1, ttl_s=0.2)
    await asyncio.sleep(0.3)
    assert await store.set_if_absent("update:7", 1, ttl_s=0.2)


async def test_lists_keep_the_newest_and_are_taken_whole_once(store: StateStore) -> None:
    await store.append("box", [{"t": 1}, {"t": 2}], max_len=3)
    await store.append("box", [{"t": 3}, {"t": 4}], max_len=3)
    assert await store.length("box") == 3
    assert await store.pop_all("box") == [{"t": 2}, {"t": 3}, {"t": 4}]
    assert await store.pop_all("box") == []
    assert await store.length("box") == 0


async def test_a_replaced_list_is_served_first_to_last(store: StateStore) -> None:
    await store.append("pages", [{"p": 0}], max_len=10)
    await store.replace_list("pages", [{"p": 1}, {"p": 2}], ttl_s=60)
    assert await store.pop_first("pages") == {"p": 1}
    assert await store.pop_first("pages") == {"p": 2}
    assert await store.pop_first("pages") is None
    await store.replace_list("pages", [{"p": 3}])
    await store.replace_list("pages", [])
    assert await store.pop_first("pages") is None


async def test_counters_count_and_expire(store: StateStore) -> None:
    assert await store.incr("turns", 1, ttl_s=0.2) == 1
    assert await store.incr("turns", 1, ttl_s=0.2) == 2
    assert await store.incr("turns", -1) == 1
    await asyncio.sleep(0.3)
    assert await store.get("turns") is None


def test_the_memory_store_is_bounded() -> None:
    async def fill() -> MemoryStateStore:
        memory = MemoryStateStore(max_keys=5)
        for i in range(50):
            await memory.append(f"box{i}", [i], max_len=2)
            await memory.set(f"key{i}", i)
        return memory

    assert len(asyncio.run(fill())) == 5


async def test_two_instances_racing_on_one_key_get_one_winner(redis_url: str) -> None:
    first = redis_store(redis_url)
    second = RedisStateStore(RedisConnection(redis_url), first._prefix.split(":")[-2])
    for i in range(50):
        wins = await asyncio.gather(
            first.set_if_absent(f"request:{i}", 1, 5), second.set_if_absent(f"request:{i}", 1, 5)
        )
        assert sorted(wins) == [False, True]
    await first.append("mail", list(range(100)), max_len=100)
    taken = await asyncio.gather(first.pop_all("mail"), second.pop_all("mail"))
    assert sorted(len(t) for t in taken) == [0, 100]  # never split, never served twice


def test_redis_is_used_exactly_when_the_lock_stores_redis_is_configured() -> None:
    assert redis_url_from_env({}) is None
    assert redis_url_from_env({"MINWON_REDIS_HOST": ""}) is None
    env = {
        "MINWON_REDIS_HOST": "redis",
        "MINWON_REDIS_PORT": "6380",
        "MINWON_REDIS_LOCK_DB": "1",
        "MINWON_REDIS_PASSWORD": "p@ss/word",
    }
    assert redis_url_from_env(env) == "redis://:p%40ss%2Fword@redis:6380/1"
    assert redis_url_from_env({**env, "MINWON_REDIS_STATE_DB": "3"}).endswith("/3")  # type: ignore[union-attr]
    assert isinstance(open_store("x", 10, env={}), MemoryStateStore)
    assert isinstance(open_store("x", 10, env=env), RedisStateStore)
