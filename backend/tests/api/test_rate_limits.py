"""Limits that hold: identity challenges, order look-ups, token binding (SQLite and PostgreSQL)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest
from fastapi.testclient import TestClient

from app.clock import SEOUL
from tests.conftest import KIM, LEE, SERVICE, ConfirmFn, MutableClock

CHALLENGES = "/api/v1/identity/challenges"
ORDERS = "/api/v1/orders"


def person(i: int) -> dict[str, str]:
    """A different (unregistered) person and phone each time: only the asker stays the same."""
    return {"name": "홍길동", "birth_date": "1980-01-01", "phone": f"0109000{i:04d}"}


def start(
    client: TestClient,
    who: dict[str, str],
    conversation_id: str,
    client_key: str | None = None,
):  # type: ignore[no-untyped-def]
    headers = {**SERVICE, **({"X-Minwon-Client": client_key} if client_key else {})}
    return client.post(
        CHALLENGES, headers=headers, json={"conversation_id": conversation_id, **who}
    )


def assert_limited(answer, code: str, at_most_s: int) -> int:  # type: ignore[no-untyped-def]
    assert answer.status_code == 429, answer.text
    body = answer.json()
    assert body["code"] == code
    assert 0 < body["retry_after_s"] <= at_most_s + 1
    assert answer.headers["Retry-After"] == str(body["retry_after_s"])
    assert answer.headers["content-type"].startswith("application/problem+json")
    return int(body["retry_after_s"])


def test_the_sixth_challenge_from_one_conversation_is_refused(
    client: TestClient, clock: MutableClock
) -> None:
    for i in range(5):
        assert start(client, person(i), "conv-many").status_code == 201
        clock.advance(seconds=30)
    wait = assert_limited(start(client, person(5), "conv-many"), "identity_rate_limited", 600)
    assert wait == 600 - 5 * 30 + 1  # until the first of the five leaves the window
    assert start(client, person(6), "conv-other").status_code == 201
    clock.advance(seconds=wait)
    assert start(client, person(7), "conv-many").status_code == 201


def test_the_sixth_challenge_from_one_client_is_refused_across_conversations(
    client: TestClient,
) -> None:
    for i in range(5):
        assert start(client, person(i), f"web:{i}", client_key="browser-1").status_code == 201
    refused = start(client, person(5), "web:5", client_key="browser-1")
    assert_limited(refused, "identity_rate_limited", 600)
    assert start(client, person(6), "web:6", client_key="browser-2").status_code == 201


@pytest.mark.parametrize("settings_overrides", [{"challenge_global_limit_count": 3}])
def test_the_overall_limit_holds_for_everyone(client: TestClient) -> None:
    for i in range(3):
        assert start(client, person(i), f"conv-{i}").status_code == 201
    assert_limited(start(client, person(3), "conv-3"), "identity_busy", 600)


def _lock_a_challenge(client: TestClient, conversation_id: str) -> None:
    started = start(client, KIM, conversation_id)
    assert started.status_code == 201, started.text
    url = f"{CHALLENGES}/{started.json()['challenge_id']}/verify"
    codes = [
        client.post(
            url, headers=SERVICE, json={"conversation_id": conversation_id, "code": "000000"}
        ).json()["code"]
        for _ in range(5)
    ]
    assert codes[-1] == "otp_locked"


def test_three_locked_challenges_lock_the_phone_until_the_next_seoul_day(
    client: TestClient, clock: MutableClock
) -> None:
    for i in range(3):
        _lock_a_challenge(client, f"attacker-{i}")
        clock.advance(minutes=11)  # past the per-phone window: only the lock-out refuses
    refused = start(client, KIM, "attacker-9")
    midnight = datetime(2026, 11, 26, 0, 0, tzinfo=SEOUL)
    wait = assert_limited(refused, "identity_locked_today", 24 * 3600)
    assert abs(wait - (midnight - clock.now).total_seconds()) <= 2
    # Another resident is not affected; the next Seoul day the phone may try again.
    assert start(client, LEE, "someone-else").status_code == 201
    clock.now = midnight.replace(minute=1)
    assert start(client, KIM, "attacker-9").status_code == 201


def test_three_locked_challenges_lock_the_conversation_for_any_phone(
    client: TestClient, clock: MutableClock
) -> None:
    for _ in range(3):
        _lock_a_challenge(client, "guesser")
        clock.advance(minutes=11)
    assert_limited(start(client, LEE, "guesser"), "identity_locked_today", 24 * 3600)


def test_concurrent_challenges_cannot_pass_the_conversation_limit(client: TestClient) -> None:
    with ThreadPoolExecutor(max_workers=12) as pool:
        answers = list(pool.map(lambda i: start(client, person(i), "conv-race"), range(12)))
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201] * 5 + [429] * 7


# --- order look-ups by number -------------------------------------------------------------------


def lookup(client: TestClient, number: str, conversation_id: str, client_key: str | None = None):  # type: ignore[no-untyped-def]
    headers = {**SERVICE, "X-Conversation-Id": conversation_id}
    if client_key:
        headers["X-Minwon-Client"] = client_key
    return client.get(f"{ORDERS}/{number}", headers=headers)


def test_order_lookups_are_limited_per_conversation(client: TestClient) -> None:
    codes = [lookup(client, f"{20000001 + i}", "sweeper").status_code for i in range(10)]
    assert codes == [404] * 10
    assert_limited(lookup(client, "20000011", "sweeper"), "lookup_rate_limited", 600)
    assert lookup(client, "20000012", "resident").status_code == 404


def test_order_lookups_are_limited_per_client(client: TestClient) -> None:
    for i in range(30):
        assert lookup(client, "20000001", f"web:{i}", client_key="browser-9").status_code == 404
    refused = lookup(client, "20000001", "web:30", client_key="browser-9")
    assert_limited(refused, "lookup_rate_limited", 600)


def test_a_lookup_names_its_conversation(client: TestClient) -> None:
    answer = client.get(f"{ORDERS}/20000001", headers=SERVICE)
    assert answer.status_code == 422
    assert answer.json()["code"] == "invalid_request"


# --- the identity token is bound to its conversation on every call ---------------------------


def _order(client: TestClient, headers: dict[str, str], conversation_id: str, key: str):  # type: ignore[no-untyped-def]
    return client.post(
        ORDERS,
        headers={**headers, "Idempotency-Key": key},
        json={
            "conversation_id": conversation_id,
            "document": "resident_copy",
            "copies": 1,
            "method": "counter",
        },
    )


def test_a_token_from_another_conversation_is_refused_on_every_call(
    client: TestClient, confirm: ConfirmFn
) -> None:
    own = confirm(KIM, conversation_id="telegram:42")
    number = _order(client, own, "telegram:42", "k1").json()["order_id"]
    stolen = {**own, "X-Conversation-Id": "web:42"}
    calls = [
        client.get("/api/v1/residents/me", headers=stolen),
        client.get(ORDERS, headers=stolen),
        client.post(f"{ORDERS}/{number}/cancel", headers=stolen),
        client.post(f"{ORDERS}/{number}/cancel", headers=own, json={"conversation_id": "web:42"}),
        _order(client, stolen, "telegram:42", "k2"),
        _order(client, own, "web:42", "k3"),
    ]
    assert [(c.status_code, c.json()["code"]) for c in calls] == [(401, "identity_invalid")] * 6
    # Naming no conversation at all is refused too.
    bare = {k: v for k, v in own.items() if k != "X-Conversation-Id"}
    assert client.get("/api/v1/residents/me", headers=bare).json()["code"] == "identity_invalid"
    assert client.get(ORDERS, headers=bare).json()["code"] == "identity_invalid"
    assert client.post(f"{ORDERS}/{number}/cancel", headers=bare).json()["code"] == (
        "identity_invalid"
    )
    # The owner's own conversation still works.
    assert client.get(ORDERS, headers=own).status_code == 200
    assert client.post(f"{ORDERS}/{number}/cancel", headers=own).json()["status"] == "cancelled"
