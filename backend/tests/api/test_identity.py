"""Identity confirmation through the API, on SQLite and PostgreSQL."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.models import AuditLog, IdentityChallenge, IdentityToken, SmsOutbox
from app.runtime import Runtime
from tests.conftest import KIM, LEE, SERVICE, ConfirmFn, MutableClock, last_code

CHALLENGES = "/api/v1/identity/challenges"


def start(client: TestClient, person: dict[str, str], conversation_id: str = "conv-1"):  # type: ignore[no-untyped-def]
    return client.post(
        CHALLENGES, headers=SERVICE, json={"conversation_id": conversation_id, **person}
    )


def verify(client: TestClient, challenge_id: str, code: str, conversation_id: str = "conv-1"):  # type: ignore[no-untyped-def]
    return client.post(
        f"{CHALLENGES}/{challenge_id}/verify",
        headers=SERVICE,
        json={"conversation_id": conversation_id, "code": code},
    )


def outbox_count(runtime: Runtime) -> int:
    with runtime.sessions() as s:
        return len(s.scalars(select(SmsOutbox)).all())


def test_right_code_confirms_identity_and_shows_the_resident(client: TestClient) -> None:
    started = start(client, KIM)
    assert started.status_code == 201
    assert started.json()["masked_phone"] == "010-****-5678"
    text = client.get("/dev/sms-outbox", params={"phone": KIM["phone"]}).json()[-1]["text"]
    assert len(re.findall(r"\d{6}", text)) == 1
    answer = verify(client, started.json()["challenge_id"], last_code(client, KIM["phone"]))
    assert answer.status_code == 200
    body = answer.json()
    assert body["resident"] == {
        "name": "김영희",
        "dong": "신당동",
        "masked_address": "서울특별시 중구 다산로 ***",
        "delivery_eligible": True,
        "eligibility_reasons": ["age_70_or_over"],
    }
    me = client.get(
        "/api/v1/residents/me",
        headers={
            **SERVICE,
            "X-Identity-Token": body["identity_token"],
            "X-Conversation-Id": "conv-1",
        },
    )
    assert me.status_code == 200
    assert me.json()["dong"] == "신당동"


@pytest.mark.parametrize(
    "person",
    [
        {**KIM, "name": "김철수"},  # not in the registry
        {**KIM, "phone": "01099998888"},  # the phone is not the one on record
        {**KIM, "birth_date": "1950-03-03"},
    ],
)
def test_unknown_person_gets_the_same_answer_and_no_sms(
    client: TestClient, runtime: Runtime, person: dict[str, str]
) -> None:
    known = start(client, LEE, conversation_id="other")
    before = outbox_count(runtime)
    answer = start(client, person)
    assert answer.status_code == known.status_code == 201
    assert set(answer.json()) == set(known.json())
    assert outbox_count(runtime) == before
    refused = verify(client, answer.json()["challenge_id"], "123456")
    assert refused.status_code == 400
    assert refused.json()["code"] == "otp_wrong"
    assert refused.json()["tries_left"] == 4


def test_code_expires_after_three_minutes(client: TestClient, clock: MutableClock) -> None:
    started = start(client, KIM)
    code = last_code(client, KIM["phone"])
    clock.advance(seconds=180)
    answer = verify(client, started.json()["challenge_id"], code)
    assert answer.status_code == 400
    assert answer.json()["code"] == "otp_expired"


def test_code_still_works_just_before_expiry(client: TestClient, clock: MutableClock) -> None:
    started = start(client, KIM)
    code = last_code(client, KIM["phone"])
    clock.advance(seconds=179)
    assert verify(client, started.json()["challenge_id"], code).status_code == 200


def test_five_wrong_codes_lock_the_challenge(client: TestClient) -> None:
    started = start(client, KIM)
    challenge_id = started.json()["challenge_id"]
    right = last_code(client, KIM["phone"])
    wrong = "000000" if right != "000000" else "111111"
    answers = [verify(client, challenge_id, wrong).json() for _ in range(5)]
    assert [a["code"] for a in answers] == ["otp_wrong"] * 4 + ["otp_locked"]
    assert [a.get("tries_left") for a in answers[:4]] == [4, 3, 2, 1]
    after = verify(client, challenge_id, right)
    assert after.status_code == 400
    assert after.json()["code"] == "otp_locked"


def test_sends_are_rate_limited_per_phone(client: TestClient, clock: MutableClock) -> None:
    for _ in range(5):
        assert start(client, KIM).status_code == 201
        clock.advance(seconds=10)
    limited = start(client, KIM)
    assert limited.status_code == 429
    body = limited.json()
    assert body["code"] == "sms_rate_limited"
    assert 0 < body["retry_after_s"] <= 600
    assert limited.headers["content-type"].startswith("application/problem+json")
    # Another phone is not affected; the same phone is again after the window.
    assert start(client, LEE, conversation_id="other").status_code == 201
    clock.advance(seconds=body["retry_after_s"])
    assert start(client, KIM).status_code == 201


def test_rate_limit_answers_alike_for_unknown_people(client: TestClient) -> None:
    stranger = {**KIM, "name": "김철수"}
    codes = [start(client, stranger).status_code for _ in range(6)]
    assert codes == [201] * 5 + [429]


def test_codes_and_tokens_are_stored_hashed(client: TestClient, runtime: Runtime) -> None:
    started = start(client, KIM)
    code = last_code(client, KIM["phone"])
    token = verify(client, started.json()["challenge_id"], code).json()["identity_token"]
    with runtime.sessions() as s:
        challenge = s.get(IdentityChallenge, started.json()["challenge_id"])
        assert challenge is not None
        assert code not in challenge.code_hash
        assert len(challenge.code_hash) == 64
        assert KIM["phone"] not in challenge.phone_key
        stored = s.scalars(select(IdentityToken)).all()
        assert [t.token_hash for t in stored] != [token]
        assert all(token not in t.token_hash for t in stored)


def test_identity_token_is_bound_to_its_conversation(
    client: TestClient, confirm: ConfirmFn
) -> None:
    headers = confirm(KIM, conversation_id="conv-a")
    ok = client.get("/api/v1/residents/me", headers=headers, params={"conversation_id": "conv-a"})
    assert ok.status_code == 200
    other = client.get("/api/v1/residents/me", headers={**headers, "X-Conversation-Id": "conv-b"})
    assert other.status_code == 401
    assert other.json()["code"] == "identity_invalid"
    order = client.post(
        "/api/v1/orders",
        headers={**headers, "Idempotency-Key": "k"},
        json={
            "conversation_id": "conv-b",
            "document": "resident_copy",
            "copies": 1,
            "method": "kiosk",
        },
    )
    assert order.json()["code"] == "identity_invalid"


def test_identity_token_expires(
    client: TestClient, confirm: ConfirmFn, clock: MutableClock
) -> None:
    headers = confirm(KIM)
    clock.advance(minutes=30)
    answer = client.get("/api/v1/residents/me", headers=headers)
    assert answer.status_code == 401
    assert answer.json()["code"] == "identity_invalid"


def test_verify_in_another_conversation_finds_no_challenge(client: TestClient) -> None:
    started = start(client, KIM)
    answer = verify(
        client,
        started.json()["challenge_id"],
        last_code(client, KIM["phone"]),
        conversation_id="someone-else",
    )
    assert answer.status_code == 404
    assert answer.json()["code"] == "challenge_not_found"


def test_a_used_challenge_cannot_be_verified_twice(client: TestClient) -> None:
    started = start(client, KIM)
    code = last_code(client, KIM["phone"])
    assert verify(client, started.json()["challenge_id"], code).status_code == 200
    assert verify(client, started.json()["challenge_id"], code).status_code == 404


def test_resident_endpoint_needs_an_identity_token(client: TestClient) -> None:
    answer = client.get("/api/v1/residents/me", headers=SERVICE)
    assert answer.status_code == 401
    assert answer.json()["code"] == "identity_required"


def test_outbox_ends_with_the_newest_message_even_after_many(
    client: TestClient, clock: MutableClock
) -> None:
    for _ in range(12):  # more than the window's limit: spread over time
        for _ in range(5):
            assert start(client, LEE).status_code == 201
        clock.advance(minutes=11)
    messages = client.get("/dev/sms-outbox", params={"phone": LEE["phone"]}).json()
    assert len(messages) == 50
    started = start(client, LEE)
    code = last_code(client, LEE["phone"])
    assert verify(client, started.json()["challenge_id"], code).status_code == 200


def test_challenges_and_wrong_codes_are_audited_alike_for_strangers(
    client: TestClient, runtime: Runtime
) -> None:
    long_conversation = "c" * 200
    known = start(client, KIM, conversation_id=long_conversation).json()["challenge_id"]
    stranger = start(client, {**KIM, "name": "김철수"}, conversation_id="x").json()["challenge_id"]
    verify(
        client,
        known,
        "000000" if last_code(client, KIM["phone"]) != "000000" else "111111",
        conversation_id=long_conversation,
    )
    with runtime.sessions() as s:
        rows = s.scalars(select(AuditLog).order_by(AuditLog.id)).all()
        by_entity = {(r.entity_id, r.action): r for r in rows}
    assert by_entity[(known, "identity_challenge_started")].actor == "resident_channel"
    assert by_entity[(stranger, "identity_challenge_started")].actor == "resident_channel"
    assert by_entity[(known, "identity_code_wrong")].detail == {
        "failed_tries": 1,
        "conversation_id": long_conversation,
    }
