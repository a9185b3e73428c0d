"""bot/turn_runner.py: turns wait their turn in arrival order, a few at a time per process.

Under a burst, a process that runs every turn at once shares its core among all of them, so
every resident waits as long as the slowest; the gate lets a few run (one turn awaiting the
action server, another using the CPU) and the rest wait first come, first served. Each test
asserts what a resident would notice: nobody overtaken, nobody forgotten, nothing stuck.
"""

from __future__ import annotations

import asyncio

import pytest

from bot.turn_runner import DEFAULT_TURNS_IN_FLIGHT, FifoGate, TurnThread, turns_in_flight


async def test_the_gate_admits_in_arrival_order_and_never_more_than_its_limit() -> None:
    gate = FifoGate(2)
    admitted: list[int] = []
    running = 0
    most = 0

    async def turn(n: int) -> None:
        nonlocal running, most
        async with gate:
            admitted.append(n)
            running += 1
            most = max(most, running)
            await asyncio.sleep(0.01 * (n % 3))  # uneven turns
            running -= 1

    await asyncio.gather(*(turn(n) for n in range(20)))
    assert admitted == list(range(20))
    assert most == 2
    assert gate.held == 0 and gate.waiting == 0


async def test_a_newcomer_does_not_take_a_slot_freed_for_someone_waiting() -> None:
    """asyncio.Semaphore in Python 3.10 lets a newcomer in before the waiter it woke runs."""
    gate = FifoGate(1)
    order: list[str] = []
    release = asyncio.Event()

    async def first() -> None:
        async with gate:
            await release.wait()
        # the slot is handed over; a newcomer arriving in this very step must queue behind
        loop.create_task(newcomer())

    async def waiter() -> None:
        async with gate:
            order.append("waiter")

    async def newcomer() -> None:
        async with gate:
            order.append("newcomer")

    loop = asyncio.get_running_loop()
    tasks = [loop.create_task(first())]
    await asyncio.sleep(0)
    tasks.append(loop.create_task(waiter()))
    await asyncio.sleep(0)
    release.set()
    await asyncio.gather(*tasks)
    for _ in range(5):
        await asyncio.sleep(0)
    assert order == ["waiter", "newcomer"]


async def test_a_resident_who_gives_up_while_waiting_frees_nothing_and_blocks_nobody() -> None:
    gate = FifoGate(1)
    done: list[str] = []
    hold = asyncio.Event()

    async def turn(name: str, wait: asyncio.Event | None = None) -> None:
        async with gate:
            if wait is not None:
                await wait.wait()
            done.append(name)

    first = asyncio.create_task(turn("first", hold))
    await asyncio.sleep(0)
    gone = asyncio.create_task(turn("gone"))
    later = asyncio.create_task(turn("later"))
    await asyncio.sleep(0)
    gone.cancel()
    hold.set()
    await asyncio.gather(first, later)
    with pytest.raises(asyncio.CancelledError):
        await gone
    assert done == ["first", "later"]
    assert gate.held == 0 and gate.waiting == 0


async def test_turns_on_the_turn_thread_run_a_few_at_a_time_in_arrival_order() -> None:
    thread = TurnThread("test-turns", in_flight=2)
    started: list[int] = []
    running = 0
    most = 0

    async def turn(n: int) -> int:
        nonlocal running, most
        started.append(n)
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.02)  # waiting for the action server
        running -= 1
        return n

    results = []
    for n in range(8):
        results.append(asyncio.ensure_future(thread.run(turn(n))))
        await asyncio.sleep(0.001)  # they arrive one after another
    assert await asyncio.gather(*results) == list(range(8))
    assert started == list(range(8))
    assert most == 2


@pytest.mark.parametrize(("value", "expected"), [
    ("", DEFAULT_TURNS_IN_FLIGHT), ("3", 3), ("0", 0), ("-2", 0), ("many", DEFAULT_TURNS_IN_FLIGHT),
])
def test_turns_in_flight_setting(value: str, expected: int) -> None:
    assert turns_in_flight({"MINWON_TURNS_IN_FLIGHT": value}) == expected
