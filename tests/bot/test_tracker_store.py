"""bot/tracker_store.py on a real SQLite file: it never exits on a request's data, stores no RRN,
keeps nothing personal in clear, and forgets old conversations.

The last test posts a lone-surrogate sender id and text to a running Rasa server (the `system`
fixture) and checks that the server still answers.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered

from bot.tracker_store import (
    ENCRYPTED_FIELD,
    PrivateSQLTrackerStore,
    TrackerStoreConfigError,
    cipher_from_env,
    storage_key,
)

if TYPE_CHECKING:
    from tests.conftest import System

ROOT = Path(__file__).resolve().parents[2]
SECRET = "test-tracker-secret-0123456789abcdef"


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MINWON_SECRET_KEY", SECRET)
    monkeypatch.delenv("MINWON_PREVIOUS_SECRET_KEYS", raising=False)
    monkeypatch.delenv("MINWON_RETENTION_DAYS", raising=False)
    return tmp_path / "tracker.db"


def make_store(db: Path, domain: Domain) -> PrivateSQLTrackerStore:
    return PrivateSQLTrackerStore(domain=domain, dialect="sqlite", db=str(db))


def user(text: str, **parse: object) -> UserUttered:
    return UserUttered(
        text,
        intent={"name": "inform", "confidence": 1.0},
        parse_data={"text": text, "intent": {"name": "inform"}, **parse},
    )


def raw_rows(db: Path, sender: str | None = None) -> list[tuple[str, str, str]]:
    with sqlite3.connect(db) as conn:
        query = "select sender_id, type_name, data from events"
        args: tuple[str, ...] = ()
        if sender is not None:
            query += " where sender_id = ?"
            args = (sender,)
        return list(conn.execute(query + " order by id", args))


async def save_turns(store: PrivateSQLTrackerStore, sender: str, *events: object) -> None:
    tracker = await store.get_or_create_tracker(sender, append_action_listen=False)
    for event in events:
        tracker.update(event)  # type: ignore[arg-type]
    await store.save(tracker)


# --- never exits on a request's data ---


@pytest.mark.parametrize(
    "sender",
    ["\ud800", "web:\udfff\ud800x", "a\x00b", "x" * 300, "정상-아이디\ud83d"],
    ids=["lone high surrogate", "lone low + high", "NUL", "300 chars", "half an emoji"],
)
async def test_an_id_the_database_cannot_take_is_stored_under_a_digest(
    db: Path, domain: Domain, sender: str
) -> None:
    store = make_store(db, domain)
    await save_turns(store, sender, user("등본 한 통이요\ud800"), BotUttered("네\udfff"))
    again = await store.retrieve(sender)
    assert again is not None
    assert again.sender_id == sender
    said = [e.text for e in again.events if isinstance(e, UserUttered)]
    assert said == ["등본 한 통이요\ufffd"]  # the lone surrogate repaired, the rest kept
    stored_ids = {row[0] for row in raw_rows(db)}
    assert stored_ids == {storage_key(sender)}
    assert storage_key(sender).startswith("unstorable-id:")
    # a different bad id is a different conversation
    assert storage_key(sender + "\ud801") != storage_key(sender)


async def test_a_good_id_is_stored_as_it_is(db: Path, domain: Domain) -> None:
    store = make_store(db, domain)
    await save_turns(store, "telegram:12345", user("안녕하세요"))
    assert {row[0] for row in raw_rows(db)} == {"telegram:12345"}
    assert list(await store.keys()) == ["telegram:12345"]


async def test_an_intent_name_with_a_lone_surrogate_or_nul_is_stored(
    db: Path, domain: Domain
) -> None:
    store = make_store(db, domain)
    event = UserUttered("/x\ud800", intent={"name": "x\ud800\x00" + "y" * 400, "confidence": 1.0})
    await save_turns(store, "s1", event)
    with sqlite3.connect(db) as conn:
        (intent,) = conn.execute("select intent_name from events where type_name='user'").fetchone()
    assert intent.startswith("x\ufffd")
    assert len(intent) == 255


def test_a_missing_secret_key_outside_dev_and_test_refuses_at_start() -> None:
    with pytest.raises(TrackerStoreConfigError, match="MINWON_SECRET_KEY"):
        cipher_from_env({"MINWON_PROFILE": "production"})
    with pytest.raises(TrackerStoreConfigError):
        cipher_from_env({})  # unset profile = production
    assert cipher_from_env({"MINWON_PROFILE": "test"})  # a published key, with a warning


# --- no RRN stored ---


async def test_an_rrn_in_any_field_a_resident_fills_is_masked_on_save(
    db: Path, domain: Domain
) -> None:
    store = make_store(db, domain)
    text = "제 번호는 850302\n1234567이에요"
    event = UserUttered(
        text,
        intent={"name": "inform", "confidence": 1.0},
        parse_data={
            "text": text,
            "intent": {"name": "inform"},
            "entities": [{"entity": "x", "value": "850302 대시 1234567"}],
        },
        metadata={"utterance": "850302, 1234567"},
    )
    await save_turns(store, "s-rrn", event, SlotSet("person_name", "8503021234567"))
    stored = json.dumps([store.decrypt(d) for _, _, d in raw_rows(db)], ensure_ascii=False)
    assert "850302" not in stored
    assert "1234567" not in stored
    assert store.decrypt(raw_rows(db)[0][2])["text"] == "제 번호는 ******\n*******이에요"


async def test_an_rrn_split_over_two_messages_keeps_no_back_half(db: Path, domain: Domain) -> None:
    store = make_store(db, domain)
    sender = "split"
    await save_turns(
        store,
        sender,
        user("850302"),
        SlotSet("birth_date", "1985-03-02"),
        BotUttered("휴대전화 번호를 알려 주세요."),
    )
    await save_turns(
        store,
        sender,
        user("1234567", entities=[{"entity": "n", "value": "1234567"}]),
        SlotSet("phone_number", "1234567"),
        BotUttered("다시 알려 주세요."),
    )
    tracker = await store.retrieve(sender)
    assert tracker is not None
    said = [e.text for e in tracker.events if isinstance(e, UserUttered)]
    # the front half is the birth-date answer and stays; without the back half it is no RRN
    assert said == ["850302", "*******"]
    stored = json.dumps([store.decrypt(d) for _, _, d in raw_rows(db, sender)], ensure_ascii=False)
    assert "1234567" not in stored
    assert tracker.get_slot("birth_date") == "1985-03-02"


async def test_seven_digits_after_something_else_are_kept(db: Path, domain: Domain) -> None:
    store = make_store(db, domain)
    await save_turns(store, "s7", user("등본이요"))
    await save_turns(store, "s7", user("1234567"))
    tracker = await store.retrieve("s7")
    assert tracker is not None
    assert [e.text for e in tracker.events if isinstance(e, UserUttered)] == ["등본이요", "1234567"]


# --- nothing personal in clear ---


PERSONAL = {
    "person_name": "김영희",
    "birth_date": "1950-03-02",
    "phone_number": "01012345678",
    "identity_token": "tok_9f8e7d6c5b4a",
    "placed_order": {"order_id": "20481937", "eligibility_reasons": ["disability", "pregnancy"]},
    "lookup_order": {"order_id": "20481938", "eligibility_reasons": ["pregnancy"]},
}


async def test_slots_and_messages_are_encrypted_at_rest_and_read_back(
    db: Path, domain: Domain
) -> None:
    store = make_store(db, domain)
    events = [user("김영희요, 1950년 3월 2일생 010-1234-5678"), BotUttered("김영희님 확인할게요.")]
    events += [SlotSet(name, value) for name, value in PERSONAL.items()]
    await save_turns(store, "enc", *events)

    rows = raw_rows(db, "enc")
    raw = "\n".join(d for _, _, d in rows)
    for needle in (
        "김영희",
        "1950",
        "01012345678",
        "010-1234-5678",
        "tok_9f8e7d6c5b4a",
        "disability",
        "pregnancy",
        "20481937",
    ):
        assert needle not in raw
    assert all(set(json.loads(d)) == {ENCRYPTED_FIELD} for _, _, d in rows)

    tracker = await store.retrieve("enc")
    assert tracker is not None
    for name, value in PERSONAL.items():
        assert tracker.get_slot(name) == value
    assert tracker.latest_message is not None
    assert tracker.latest_message.text == "김영희요, 1950년 3월 2일생 010-1234-5678"


async def test_a_rotated_key_still_reads_old_events(
    db: Path, domain: Domain, monkeypatch: pytest.MonkeyPatch
) -> None:
    await save_turns(make_store(db, domain), "rot", user("안녕하세요"))
    monkeypatch.setenv("MINWON_SECRET_KEY", "a-new-secret-0123456789abcdefghij")
    monkeypatch.setenv("MINWON_PREVIOUS_SECRET_KEYS", SECRET)
    tracker = await make_store(db, domain).retrieve("rot")
    assert tracker is not None
    assert tracker.latest_message.text == "안녕하세요"
    monkeypatch.delenv("MINWON_PREVIOUS_SECRET_KEYS")
    with pytest.raises(ValueError, match="MINWON_PREVIOUS_SECRET_KEYS"):
        await make_store(db, domain).retrieve("rot")


# --- retention ---


async def test_conversations_idle_longer_than_the_retention_period_are_deleted(
    db: Path, domain: Domain, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MINWON_RETENTION_DAYS", "30")
    store = make_store(db, domain)
    now = time.time()
    day = 86_400
    old, recent, mixed = "old", "recent", "mixed"
    await save_turns(
        store,
        old,
        SessionStarted(timestamp=now - 40 * day),
        ActionExecuted("action_listen", timestamp=now - 40 * day),
        UserUttered("등본", timestamp=now - 40 * day),
    )
    await save_turns(store, recent, UserUttered("초본", timestamp=now - 2 * day))
    await save_turns(
        store,
        mixed,
        UserUttered("옛날", timestamp=now - 90 * day),
        UserUttered("요즘", timestamp=now - 29 * day),
    )
    assert store.sweep_expired() == 1
    assert {row[0] for row in raw_rows(db)} == {recent, mixed}
    assert await store.retrieve(old) is None
    # and at start-up, with a shorter period
    monkeypatch.setenv("MINWON_RETENTION_DAYS", "10")
    make_store(db, domain)
    assert {row[0] for row in raw_rows(db)} == {recent}


async def test_the_sweep_runs_on_save_at_a_bounded_rate(
    db: Path, domain: Domain, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MINWON_RETENTION_DAYS", "1")
    monkeypatch.setenv("MINWON_RETENTION_SWEEP_SECONDS", "3600")
    store = make_store(db, domain)
    await save_turns(store, "stale", UserUttered("x", timestamp=time.time() - 3 * 86_400))
    await save_turns(store, "fresh", UserUttered("y"))
    assert {row[0] for row in raw_rows(db)} == {"stale", "fresh"}  # swept less than an hour ago
    store._last_sweep -= 3600
    await save_turns(store, "fresh", UserUttered("z"))
    assert {row[0] for row in raw_rows(db)} == {"fresh"}


@pytest.mark.parametrize("value", ["0", "-3", "forever"])
def test_a_retention_that_is_not_a_positive_number_refuses_to_start(value: str) -> None:
    from bot.tracker_store import retention_days_from_env

    with pytest.raises(TrackerStoreConfigError, match="MINWON_RETENTION_DAYS"):
        retention_days_from_env({"MINWON_RETENTION_DAYS": value})


# --- a turn's cost does not grow with old sessions ---


def _session(turn: int) -> list[object]:
    events: list[object] = [ActionExecuted("action_session_start"), SessionStarted(),
                            ActionExecuted("action_listen")]
    for k in range(3):
        events += [user(f"등본 {turn}-{k}"), SlotSet("document", "등본"),
                   BotUttered("몇 통 필요하세요?"), ActionExecuted("action_listen")]
    return events


async def _turn_cost(store: PrivateSQLTrackerStore, sender: str, steps: list[int]) -> int:
    """SQLite VM steps (in hundreds) of one turn's retrieve and save, and a sanity check."""
    steps.clear()
    tracker = await store.retrieve(sender)
    assert tracker is not None
    tracker.update(user("한 통이요"))
    await store.save(tracker)
    again = await store.retrieve(sender)
    assert again is not None
    said = [e.text for e in again.events if isinstance(e, UserUttered)]
    assert said == ["등본 99-0", "등본 99-1", "등본 99-2", "한 통이요"]  # this session only
    return len(steps)


async def test_a_turn_reads_the_current_session_only_however_many_came_before(
    db: Path, domain: Domain, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A resident back for the 60th time costs the database what the second visit did."""
    monkeypatch.setenv("MINWON_TRACKER_SQLITE_SYNC", "NORMAL")  # a faster test, same reads
    store = make_store(db, domain)
    steps: list[int] = []

    def count_steps(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        dbapi_connection.set_progress_handler(lambda: steps.append(1) and 0, 100)

    from sqlalchemy import event as sa_event

    sa_event.listen(store.engine, "connect", count_steps)
    store.engine.dispose()  # every pooled connection from here on counts its steps
    costs = {}
    for sender, sessions in (("short-history", 2), ("long-history", 60)):
        history = [e for turn in [*range(sessions - 1), 99] for e in _session(turn)]
        await save_turns(store, sender, *history)
        for k in range(5):  # other residents' rows in between, as in a real table
            await save_turns(store, f"other-{sender}-{k}", *_session(k))
        costs[sender] = await _turn_cost(store, sender, steps)
    assert costs["short-history"] > 0
    assert costs["long-history"] <= 1.5 * costs["short-history"] + 5, costs


async def test_a_save_appends_only_what_is_new_and_decrypts_nothing_it_wrote(
    db: Path, domain: Domain, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = make_store(db, domain)
    await save_turns(store, "append", *_session(1))
    before = raw_rows(db, "append")
    await save_turns(store, "append", user("두 통이요"), BotUttered("네"))
    after = raw_rows(db, "append")
    assert after[: len(before)] == before  # stored rows untouched
    assert [t for _, t, _ in after[len(before):]] == ["user", "bot"]
    # a second process (no plaintexts remembered) reads the same conversation
    other = make_store(db, domain)
    decrypted: list[str] = []
    real = other._cipher.decrypt
    monkeypatch.setattr(other._cipher, "decrypt",
                        lambda token, *a: decrypted.append(token) or real(token, *a))
    first = await other.retrieve("append")
    # every stored event but action_session_start, which comes before the session's start
    assert first is not None and len(decrypted) == len(after) - 1
    decrypted.clear()
    assert (await other.retrieve("append")).events == first.events  # type: ignore[union-attr]
    assert decrypted == []  # each token decrypted once per process


async def test_a_tracker_saved_twice_or_copied_stores_each_event_once(
    db: Path, domain: Domain
) -> None:
    """The save trusts the count it read with the tracker only once, and only for that tracker."""
    store = make_store(db, domain)
    await save_turns(store, "twice", *_session(1))
    tracker = await store.retrieve("twice")
    assert tracker is not None
    copy = tracker.copy()
    tracker.update(user("한 통이요"))
    await store.save(tracker)
    tracker.update(BotUttered("네, 한 통이요"))
    await store.save(tracker)  # a second save of the same tracker
    copy.update(user("한 통이요"))
    copy.update(BotUttered("네, 한 통이요"))
    await store.save(copy)  # a copy made before the first save: nothing is new to it
    types = [t for _, t, _ in raw_rows(db, "twice")]
    assert types.count("user") == 4 and types.count("bot") == 4, types
    said = [e.text for e in (await store.retrieve("twice")).events  # type: ignore[union-attr]
            if isinstance(e, UserUttered)]
    assert said == ["등본 1-0", "등본 1-1", "등본 1-2", "한 통이요"]


def _sentences() -> list[str]:
    """Every example line of the training data and the evaluation set."""
    import yaml

    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
        elif isinstance(node, str):
            found.extend(line.strip()[2:] for line in node.splitlines()
                         if line.strip().startswith("- "))
            found.append(node)

    for path in [*Path("data/nlu").glob("*.yml"), Path("tests/nlu/eval/utterances.yml")]:
        walk(yaml.safe_load(path.read_text(encoding="utf-8")))
    return found


def test_the_masks_quick_check_never_skips_a_string_the_guard_would_change() -> None:
    """Strings with fewer than seven digit-like characters are stored without the guard's work:
    on every training and evaluation sentence, and on random mixes of typed, full-width and
    spoken digits with separators, the guard leaves each such string as it is."""
    import random

    from nlu.pii import mask_rrn, mask_rrn_back_halves

    from bot.tracker_store import _may_hold

    rng = random.Random(5)
    digits = list("0123456789") + list("０１２３４５６７８９") + list("공영일이삼사오육륙칠팔구")
    glue = [" ", "-", "다시", ",", "\u200b", "뒷자리는 ", "주민번호 ", "요", "ㅡ", "\n"]
    made = ["".join(rng.choice(digits) if rng.random() < 0.6 else rng.choice(glue)
                    for _ in range(rng.randint(1, 30))) for _ in range(3000)]
    sentences = _sentences()
    assert len(sentences) > 1000
    skipped = 0
    for text in [*sentences, *made]:
        if not _may_hold(text):
            skipped += 1
            assert mask_rrn(text) == text, text
            assert mask_rrn_back_halves(text) == text, text
    assert skipped > 1000
    assert _may_hold("팔오공삼공이 다시 일이삼사오육칠") and _may_hold("１２３４５６７")


# --- against the running server ---


@pytest.mark.e2e
def test_a_lone_surrogate_id_or_text_does_not_stop_the_server(system: System) -> None:
    url = f"{system.rasa_url}/webhooks/rest/webhook"
    bodies = [
        '{"sender": "\\ud800", "message": "안녕하세요"}'.encode(),
        b'{"sender": "rest-\\udfff\\ud800", "message": "hi \\ud800"}',
        b'{"sender": "ok-' + uuid.uuid4().hex.encode() + b'", "message": "\\ud800"}',
    ]
    for body in bodies:
        reply = httpx.post(
            url, content=body, headers={"Content-Type": "application/json"}, timeout=60
        )
        assert reply.status_code < 500, (body, reply.status_code, reply.text)
    assert system.processes["rasa"].is_alive()
    sender = f"after-{uuid.uuid4().hex[:8]}"
    reply = httpx.post(url, json={"sender": sender, "message": "등본 수수료 얼마예요?"}, timeout=60)
    assert reply.status_code == 200
    assert any(m.get("text") for m in reply.json())
