"""One Rasa process killed under load: the others carry on and supervision brings it back.

The topology is what ``./minwon start --topology scale`` runs (tests/scale/conftest.py):
PostgreSQL, Redis, the backend, two action servers and two Rasa processes under supervisord,
HAProxy in front. Residents talk through HAProxy's public port while one Rasa process is killed
with SIGKILL (no goodbye, as an out-of-memory kill or a crashed machine). What a resident must
see: every turn the bot answered has a real answer; a turn that was inside the killed process
gets an error (502) the channel repeats, never an empty answer; new turns go to the process still
standing at once; the killed process is started again by supervisord and HAProxy sends to it
again.
"""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

import httpx
import pytest

from tests.scale.test_two_rasa_instances import events

if TYPE_CHECKING:
    from tests.scale.conftest import BalancedTopology

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(2400)]

RESIDENTS = 6  # conversations at once
MIN_AFTER_KILL_S = 3.0  # load kept on the surviving process at least this long
CARRY_ON_TIMEOUT_S = 300  # ... and until it answered every resident again (busy machine: slow)
RESTART_TIMEOUT_S = 1200  # the restarted process loads the model again (busy machine: minutes)

# FAQ and chat turns a resident sends in a row (answered by rules: no identity codes needed)
TURNS = [
    "안녕하세요",
    "등본 수수료 얼마예요?",
    "주민센터 몇 시까지 해요?",
    "무인발급기 어디 있어요?",
    "가족관계증명서는 얼마예요?",
    "감사합니다",
]


@dataclass
class Turn:
    sender: str
    text: str
    sent: float
    done: float
    status: int | None  # None: no HTTP answer at all
    replies: list[str]


def _talk(balancer: str, sender: str, stop: threading.Event, out: list[Turn]) -> None:
    with httpx.Client(timeout=90) as client:
        i = 0
        while not stop.is_set():
            text = TURNS[i % len(TURNS)]
            i += 1
            sent = time.monotonic()
            try:
                response = client.post(f"{balancer}/webhooks/rest/webhook",
                                       json={"sender": sender, "message": text})
                status = response.status_code
                replies = ([m.get("text", "") for m in response.json()] if status == 200 else [])
            except httpx.HTTPError:
                status, replies = None, []
            out.append(Turn(sender, text, sent, time.monotonic(), status, replies))


def test_a_killed_rasa_process_fails_only_its_own_turns_and_comes_back(
    balanced_topology: BalancedTopology,
) -> None:
    topology = balanced_topology
    victim, survivor = "rasa-1", "rasa-2"
    old_pid = topology.pid(victim)
    console_mark = len(topology.text())
    stop = threading.Event()
    turns: list[Turn] = []
    senders = [f"kill-{uuid.uuid4().hex[:8]}-{n}" for n in range(RESIDENTS)]
    threads = [threading.Thread(target=_talk, args=(topology.balancer_url, s, stop, turns))
               for s in senders]
    for thread in threads:
        thread.start()
    try:
        # under load: every resident has been answered at least twice before the kill
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            answered = Counter(t.sender for t in turns if t.status == 200)
            if len(answered) == RESIDENTS and min(answered.values()) >= 2:
                break
            time.sleep(0.2)
        else:
            pytest.fail(f"no load before the kill: {turns[-5:]}")
        killed_at = time.monotonic()
        os.kill(old_pid, signal.SIGKILL)
        # the load goes on until every resident was answered again (a turn sent after the kill)
        deadline = time.monotonic() + CARRY_ON_TIMEOUT_S
        while time.monotonic() < deadline:
            carried = {t.sender for t in turns if t.status == 200 and t.sent > killed_at}
            if len(carried) == RESIDENTS and time.monotonic() > killed_at + MIN_AFTER_KILL_S:
                break
            time.sleep(0.2)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=120)

    failed = [t for t in turns if t.status != 200]
    after = [t for t in turns if t.sent > killed_at + 0.5]
    # every answered turn has a real answer
    for turn in turns:
        if turn.status == 200:
            assert any(r.strip() for r in turn.replies), turn
    # only turns inside the killed process when it died fail (at most one per resident, each
    # sent before the kill), and the channel sees an error (502), not a silent empty answer
    assert len(failed) <= RESIDENTS, failed
    assert all(t.sent <= killed_at + 0.5 for t in failed), failed
    assert all(t.status in (None, 502, 503) for t in failed), failed
    # the surviving process carries every resident on: each was answered again after the kill,
    # and every turn sent after it was answered
    assert {t.sender for t in turns if t.status == 200 and t.sent > killed_at} == set(senders)
    assert all(t.status == 200 for t in after), [t for t in after if t.status != 200]

    # every answered turn is in the shared tracker store too, in the order it was answered (a
    # turn in flight in the killed process may be stored as well: it died after its commit).
    # Until the lock store renewed waiting tickets, the message that waited behind the dead
    # process's ticket ran with its own ticket about to expire, the next one ran at the same
    # time, and one answered turn was missing here (bot/lock_store.py).
    for sender in senders:
        stored = [text for kind, _, text in events(topology, sender) if kind == "user"]
        answered = [t.text for t in sorted(turns, key=lambda t: t.sent)
                    if t.sender == sender and t.status == 200]
        rest = iter(stored)
        assert all(text in rest for text in answered), (sender, answered, stored)

    # supervision: the console says so, a new process starts, HAProxy takes it back
    topology.wait_for(rf"\[minwon\] {victim} stopped unexpectedly; restarting", 30,
                      after=console_mark)
    restart_started = time.monotonic()
    topology.wait_for(rf"\[minwon\] {victim} restarted \(pid \d+\)", RESTART_TIMEOUT_S,
                      after=console_mark)
    assert topology.pid(victim) != old_pid
    assert topology.pid(survivor) > 0
    deadline = time.monotonic() + RESTART_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{topology.base_url(victim)}/", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    else:
        pytest.fail(f"{victim} did not answer again:\n{topology.text()[-4000:]}")
    topology.wait_for(rf"Server rasa/{victim} is UP", 30, after=console_mark)
    print(f"turns {len(turns)}, failed {len(failed)}, sent after the kill {len(after)}; "
          f"{victim} answered again {time.monotonic() - restart_started:.1f} s after its restart")
