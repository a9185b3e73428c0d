"""AtomicRedisLockStore against a real redis-server, from many processes at once."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
import time
import uuid
from collections.abc import Callable
from multiprocessing.synchronize import Barrier
from typing import TYPE_CHECKING

import pytest
import redis
from rasa.core.lock_store import LockStore
from rasa.utils.endpoints import EndpointConfig

from bot.lock_store import AtomicRedisLockStore

if TYPE_CHECKING:
    from multiprocessing.queues import Queue

    from tests.scale.conftest import RedisServer

PROCESSES = 6
THREADS_PER_PROCESS = 3
TICKETS_PER_THREAD = 15
TURNS_PER_PROCESS = 8
COUNTER_DB = 2  # the critical-section bookkeeping lives apart from the locks (db 1)


def store_for(port: int) -> AtomicRedisLockStore:
    """As Rasa builds it from endpoints.scale.yml (values expanded from the environment)."""
    config = EndpointConfig.from_dict({
        "type": "bot.lock_store.AtomicRedisLockStore", "url": "127.0.0.1", "port": str(port),
        "db": "1", "password": "", "key_prefix": "minwon",
    })
    store = LockStore.create(config)
    assert isinstance(store, AtomicRedisLockStore)
    return store


def issue_tickets(port: int, conversation: str, start: Barrier, out: Queue[list[int]]) -> None:
    """One process: its threads issue tickets for one conversation, all starting together."""
    store = store_for(port)
    numbers: list[int] = []
    guard = threading.Lock()

    def issue() -> None:
        mine = [store.issue_ticket(conversation) for _ in range(TICKETS_PER_THREAD)]
        with guard:
            numbers.extend(mine)

    threads = [threading.Thread(target=issue) for _ in range(THREADS_PER_PROCESS)]
    start.wait()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    out.put(numbers)


def take_turns(port: int, conversation: str, start: Barrier) -> None:
    """One process, as one Rasa instance: hold the conversation's lock for a few short turns."""
    store = store_for(port)
    red = redis.Redis(host="127.0.0.1", port=port, db=COUNTER_DB)

    async def turns() -> None:
        for _ in range(TURNS_PER_PROCESS):
            async with store.lock(conversation, wait_time_in_seconds=0.005):
                if red.incr("holders") != 1:
                    red.incr("overlaps")
                red.rpush("served", os.getpid())
                time.sleep(0.005)  # a turn's work, long enough for others to queue
                red.decr("holders")

    start.wait()
    asyncio.run(turns())


def run_processes(target: Callable[..., None], args: tuple[object, ...]) -> None:
    context = multiprocessing.get_context("fork")
    start = context.Barrier(PROCESSES)
    processes = [context.Process(target=target, args=(*args, start)) for _ in range(PROCESSES)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
        assert process.exitcode == 0, process


def test_tickets_issued_at_once_by_many_processes_are_all_different(
    redis_server: RedisServer,
) -> None:
    conversation = f"race-{uuid.uuid4().hex[:8]}"
    context = multiprocessing.get_context("fork")
    out: Queue[list[int]] = context.Queue()
    start = context.Barrier(PROCESSES)
    processes = [context.Process(target=issue_tickets,
                                 args=(redis_server.port, conversation, start, out))
                 for _ in range(PROCESSES)]
    for process in processes:
        process.start()
    numbers = [n for _ in processes for n in out.get(timeout=120)]
    for process in processes:
        process.join(timeout=30)
        assert process.exitcode == 0, process

    total = PROCESSES * THREADS_PER_PROCESS * TICKETS_PER_THREAD
    assert sorted(numbers) == list(range(total))  # none issued twice, none lost
    lock = store_for(redis_server.port).get_lock(conversation)
    assert lock is not None
    assert [t.number for t in lock.tickets] == list(range(total))


def test_the_lock_lets_one_process_at_a_time_serve_a_conversation(
    redis_server: RedisServer,
) -> None:
    conversation = f"turns-{uuid.uuid4().hex[:8]}"
    red = redis_server.client(db=COUNTER_DB)
    red.flushdb()

    run_processes(take_turns, (redis_server.port, conversation))

    assert int(red.get("overlaps") or 0) == 0
    assert red.llen("served") == PROCESSES * TURNS_PER_PROCESS  # every turn was served
    # the last holder's cleanup removed the lock: nothing is left queued
    assert not redis_server.client(db=1).exists(f"minwon:lock:{conversation}")


def test_keys_are_those_of_the_stock_redis_lock_store(redis_server: RedisServer) -> None:
    store = store_for(redis_server.port)
    conversation = f"keys-{uuid.uuid4().hex[:8]}"
    assert store.issue_ticket(conversation) == 0
    assert store.issue_ticket(conversation) == 1
    red = redis_server.client(db=1)
    key = f"minwon:lock:{conversation}"
    assert red.exists(key)
    assert 0 < red.pttl(key) <= 61_000  # outlives the 60 s tickets by a margin only
    store.cleanup(conversation, 0)
    assert [t.number for t in store.get_lock(conversation).tickets] == [1]  # type: ignore[union-attr]
    store.cleanup(conversation, 1)
    assert not red.exists(key)


async def test_a_ticket_left_by_a_crashed_instance_expires(redis_server: RedisServer) -> None:
    store = store_for(redis_server.port)
    conversation = f"crash-{uuid.uuid4().hex[:8]}"
    assert store.issue_ticket(conversation, lock_lifetime=0.3) == 0  # never released
    started = time.monotonic()
    async with store.lock(conversation, wait_time_in_seconds=0.05) as lock:
        assert lock.now_serving == 1
    assert 0.2 < time.monotonic() - started < 5
    assert store.get_lock(conversation) is None


def _overlaps(
    store: AtomicRedisLockStore, conversation: str, lifetime: float,
    turns: list[tuple[float, float]],
) -> int:
    """Run `turns` (delay before, work) on one conversation; how often two held the lock at once."""
    holders = overlaps = 0

    async def turn(delay_before: float, work: float) -> None:
        nonlocal holders, overlaps
        await asyncio.sleep(delay_before)
        async with store.lock(conversation, lock_lifetime=lifetime, wait_time_in_seconds=0.05):
            holders += 1
            overlaps += holders > 1
            await asyncio.sleep(work)
            holders -= 1

    async def together() -> None:
        await asyncio.gather(*(turn(delay, work) for delay, work in turns))

    asyncio.run(together())
    return overlaps


def _overlaps_after_a_dead_ticket(store: AtomicRedisLockStore) -> int:
    """A dead instance's ticket (never served) heads the queue; two live messages wait behind it.

    The first live message acquires the lock when the dead ticket runs out and works 1 s; its
    ticket was issued with a 1.5 s lifetime, so by the stock rule it would run out mid-turn and let
    the second message in. Returns how many times two turns held the lock at once.
    """
    conversation = f"conv-{uuid.uuid4()}"
    store.issue_ticket(conversation, lock_lifetime=1.0)
    return _overlaps(store, conversation, 1.5, [(0, 1.0), (0.3, 0.1)])


def test_a_message_that_waited_behind_a_dead_instance_keeps_the_lock_for_its_whole_turn(
    redis_server: RedisServer,
) -> None:
    assert _overlaps_after_a_dead_ticket(store_for(redis_server.port)) == 0


def _overlaps_with_a_turn_longer_than_its_lease(store: AtomicRedisLockStore) -> int:
    """A turn works 1.2 s on a 0.4 s lease; a second message waits behind it."""
    return _overlaps(store, f"conv-{uuid.uuid4()}", 0.4, [(0, 1.2), (0.1, 0.1)])


def test_a_turn_longer_than_its_lease_keeps_the_lock(redis_server: RedisServer) -> None:
    assert _overlaps_with_a_turn_longer_than_its_lease(store_for(redis_server.port)) == 0


async def test_a_turn_that_died_with_its_instance_frees_the_lock_after_one_lease(
    redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MINWON_LOCK_LEASE_S", "0.5")
    dead, live = store_for(redis_server.port), store_for(redis_server.port)
    conversation = f"died-{uuid.uuid4().hex[:8]}"
    held = dead.lock(conversation, wait_time_in_seconds=0.05)
    await held.__aenter__()  # its instance dies mid-turn: nothing renews or releases it
    for task in asyncio.all_tasks():
        if task.get_coro().__qualname__.endswith("_keep_lease"):  # type: ignore[union-attr]
            task.cancel()
    started = time.monotonic()
    async with live.lock(conversation, wait_time_in_seconds=0.05) as lock:
        assert lock.now_serving == 1
    # Rasa's own lifetime (60 s) is what the stock store would have waited.
    assert time.monotonic() - started < 3


def test_a_lock_the_stock_store_wrote_is_read_and_changed_and_a_flushed_script_reloads(
    redis_server: RedisServer,
) -> None:
    """Stock instances and ours can share Redis during an upgrade; Redis may forget scripts."""
    from rasa.core.lock_store import RedisLockStore

    stock = RedisLockStore(host="127.0.0.1", port=redis_server.port, db=1, key_prefix="minwon")
    ours = store_for(redis_server.port)
    conversation = f"mixed-{uuid.uuid4().hex[:8]}"
    assert stock.issue_ticket(conversation) == 0
    assert stock.issue_ticket(conversation) == 1
    assert ours.issue_ticket(conversation) == 2
    ours.cleanup(conversation, 0)
    lock = stock.get_lock(conversation)
    assert lock is not None and [t.number for t in lock.tickets] == [1, 2]
    assert lock.now_serving == 1
    redis_server.client(db=1).script_flush()
    assert ours.issue_ticket(conversation) == 3
    for number in (1, 2, 3):
        ours.cleanup(conversation, number)
    assert stock.get_lock(conversation) is None
