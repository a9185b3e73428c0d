"""Two Rasa instances behind no load balancer share one conversation (endpoints.scale.yml).

A resident's messages go alternately to instance A and instance B, as a round-robin load
balancer would send them: the certificate form started on A goes on on B, through identity and
the SMS code, to a placed order. Then messages to one conversation arrive on both instances at
the same moment: a shared ticket lock must serialise them so that the PostgreSQL tracker store
holds every user message and every answer (the second writer drops events otherwise). Rasa
Open Source 3.6's RedisLockStore does not do that reliably; bot/lock_store.py does.
"""

from __future__ import annotations

import json
import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import httpx
import psycopg2
import pytest

from bot.tracker_store import cipher_from_env

if TYPE_CHECKING:
    from tests.scale.conftest import ScaleSystem

pytestmark = pytest.mark.e2e

# a synthetic load resident (data/district/load-residents.yml), not eligible for delivery
NAME, BIRTH, PHONE = "서은주", "1992년 7월 14일생이에요", "01090031022"


def say(url: str, sender: str, text: str) -> str:
    response = httpx.post(f"{url}/webhooks/rest/webhook",
                          json={"sender": sender, "message": text}, timeout=90)
    response.raise_for_status()
    return "\n".join(m.get("text", "") for m in response.json())


def events(system: ScaleSystem, sender: str) -> list[tuple[str, str | None, str | None]]:
    """(type, action, user text) of the conversation's events, in stored order."""
    with psycopg2.connect(system.tracker_dsn) as conn, conn.cursor() as cur:
        cur.execute("SELECT type_name, action_name, data FROM events WHERE sender_id = %s "
                    "ORDER BY id", (f"rest:{sender}",))  # the REST channel's namespace
        rows = cur.fetchall()
    cipher = cipher_from_env(system.rasa_env)  # event data is encrypted at rest
    texts = [json.loads(cipher.decrypt(json.loads(d)["encrypted"].encode())) for _, _, d in rows]
    return [(t, a, x.get("text") if t == "user" else None) for (t, a, _), x in zip(rows, texts)]


def test_a_form_started_on_one_instance_goes_on_on_the_other(scale_system: ScaleSystem) -> None:
    a, b = scale_system.rasa_a, scale_system.rasa_b
    sender = f"scale-{uuid.uuid4().hex[:10]}"
    transcript: list[str] = []

    def turn(url: str, text: str, expect: str) -> str:
        reply = say(url, sender, text)
        transcript.append(f"[{'A' if url == a else 'B'}] > {text}\n< {reply}")
        assert expect in reply, "\n".join(transcript)
        return reply

    turn(a, "주민등록등본 한 통 떼 주세요", "어떻게 받으시겠어요")
    turn(b, '/inform{"method":"kiosk"}', "이대로 신청할까요")
    turn(a, "/affirm", "본인 확인")
    turn(b, f"{NAME}요", "")
    turn(a, BIRTH, "")
    turn(b, f"{PHONE[:3]}-{PHONE[3:7]}-{PHONE[7:]}이에요", "인증번호")
    sent = httpx.get(f"{scale_system.backend_url}/dev/sms-outbox", params={"phone": PHONE},
                     timeout=10).json()
    code = re.search(r"(?<!\d)\d{6}(?!\d)", sent[-1]["text"])
    assert code, sent
    done = turn(a, code.group(), "신청번호")
    assert "무인민원발급기" in done, "\n".join(transcript)
    stored = events(scale_system, sender)
    assert sum(1 for t, _, _ in stored if t == "user") == 7  # every turn, whichever instance


# Rasa Open Source 3.6's RedisLockStore issues a ticket by GET, modify, SET (LockStore.issue_ticket)
# and releases it the same way, with no transaction: two instances taking a message for the same
# conversation in the same instant can both get ticket 0 and run at once, and the SQL tracker
# store then drops the second writer's events (SQLTrackerStore._additional_events). Seen here
# with `type: redis`: 2 of 7 user messages lost; 3 of 7 with no shared lock at all.
# endpoints.scale.yml therefore uses bot.lock_store.AtomicRedisLockStore (WATCH/MULTI/EXEC).
def test_messages_at_the_same_moment_on_both_instances_are_serialised(
    scale_system: ScaleSystem,
) -> None:
    a, b = scale_system.rasa_a, scale_system.rasa_b
    sender = f"scale-{uuid.uuid4().hex[:10]}"
    say(a, sender, "안녕하세요")  # the conversation exists before the race
    red = scale_system.redis.client(db=1)
    red.config_resetstat()
    pairs = [("등본 수수료 얼마예요?", "주민센터 몇 시까지 해요?"),
             ("무인발급기 어디 있어요?", "초본 수수료는요?"),
             ("주민센터 토요일에도 해요?", "가족관계증명서 수수료 얼마예요?")]
    with ThreadPoolExecutor(max_workers=2) as pool:
        for on_a, on_b in pairs:
            replies = list(pool.map(lambda job: say(job[0], sender, job[1]),
                                    [(a, on_a), (b, on_b)]))
            assert all(replies), replies  # both were answered

    stored = events(scale_system, sender)
    said = [text or "" for t, _, text in stored if t == "user"]
    expected = ["안녕하세요", *[m for pair in pairs for m in pair]]
    assert sorted(said) == sorted(expected), said  # no user message lost or doubled
    # each turn is whole: a user message, its answer, then listening, before the next message
    turns: list[list[tuple[str, str | None]]] = []
    for t, action, _ in stored:
        if t == "user":
            turns.append([])
        if turns:
            turns[-1].append((t, action))
    assert len(turns) == len(expected)
    for events_of_turn in turns:
        kinds = [t for t, _ in events_of_turn]
        assert "bot" in kinds, events_of_turn
        assert events_of_turn[-1] == ("action", "action_listen"), events_of_turn
    # the lock lived in Redis (protocols.md 3.7: keys <prefix>:lock:<conversation>)
    stats = red.info("commandstats")
    assert stats.get("cmdstat_set", {}).get("calls", 0) > 0, stats
