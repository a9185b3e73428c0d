"""Bulk reservations only after the business proves itself (SQLite and PostgreSQL)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from app.models import BusinessToken, IdentityChallenge
from app.runtime import Runtime
from app.services.order_numbers import looks_like_date
from tests.conftest import (
    BUSINESS_CONTACTS,
    SERVICE,
    MutableClock,
    last_code,
    prove_business,
)

MOU, NO_MOU = "1234567890", "9876543210"
BULK = "/api/v1/bulk"
STAFF_PASSWORDS = {"counter1": "counter-dev-pass", "courier-sindang": "courier-dev-pass"}


def reserve(client: TestClient, headers: dict[str, str], key: str, count: int = 5,
            business: str = MOU, conversation_id: str = "biz-1"):  # type: ignore[no-untyped-def]
    return client.post(
        f"{BULK}/reservations",
        headers={**headers, "Idempotency-Key": key},
        json={
            "conversation_id": conversation_id,
            "business_number": business,
            "document": "resident_copy",
            "count": count,
        },
    )


def staff(client: TestClient, username: str) -> dict[str, str]:
    answer = client.post(
        "/api/v1/staff/login",
        json={"username": username, "password": STAFF_PASSWORDS[username]},
    )
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def test_a_reservation_without_proof_is_refused(client: TestClient) -> None:
    for headers in (SERVICE, {**SERVICE, "X-Business-Token": "made-up"}):
        refused = reserve(client, headers, "k")
        assert refused.status_code == 401
        assert refused.json()["code"] == "business_proof_required"
    with_proof = reserve(client, prove_business(client, MOU), "k")
    assert with_proof.status_code == 201


def test_the_code_goes_to_the_registered_contact_and_proves_the_business(
    client: TestClient,
) -> None:
    started = client.post(
        f"{BULK}/challenges",
        headers=SERVICE,
        json={"conversation_id": "biz-1", "business_number": MOU},
    )
    assert started.status_code == 201
    assert started.json()["masked_phone"] == "010-****-0001"
    sms = client.get("/dev/sms-outbox", params={"phone": BUSINESS_CONTACTS[MOU]}).json()
    assert "대량 발급" in sms[-1]["text"]
    verified = client.post(
        f"{BULK}/challenges/{started.json()['challenge_id']}/verify",
        headers=SERVICE,
        json={"conversation_id": "biz-1", "code": last_code(client, BUSINESS_CONTACTS[MOU])},
    )
    assert verified.status_code == 200
    assert verified.json()["quota"]["business_name"] == "한빛신용정보"
    assert verified.json()["quota"]["remaining_today"] == 100


def test_a_business_token_works_only_in_its_conversation_and_for_its_business(
    client: TestClient,
) -> None:
    headers = prove_business(client, MOU, "biz-1")
    elsewhere = reserve(client, headers, "k1", conversation_id="biz-2")
    assert elsewhere.json()["code"] == "business_proof_required"
    other_business = reserve(client, headers, "k2", business=NO_MOU)
    assert other_business.json()["code"] == "business_proof_required"
    quota = f"{BULK}/businesses/{MOU}/quota"
    assert client.get(quota, headers={**headers, "X-Conversation-Id": "biz-2"}).status_code == 401
    assert client.get(quota, headers=headers).json()["remaining_today"] == 100


def test_an_unknown_business_gets_the_same_answer_and_no_sms(
    client: TestClient, runtime: Runtime
) -> None:
    known = client.post(
        f"{BULK}/challenges", headers=SERVICE, json={"conversation_id": "a", "business_number": MOU}
    )
    unknown = client.post(
        f"{BULK}/challenges",
        headers=SERVICE,
        json={"conversation_id": "b", "business_number": "1111111111"},
    )
    assert unknown.status_code == known.status_code == 201
    assert set(unknown.json()) == set(known.json())
    again = client.post(
        f"{BULK}/challenges",
        headers=SERVICE,
        json={"conversation_id": "c", "business_number": "1111111111"},
    )
    assert again.json()["masked_phone"] == unknown.json()["masked_phone"]  # stable, made up
    refused = client.post(
        f"{BULK}/challenges/{unknown.json()['challenge_id']}/verify",
        headers=SERVICE,
        json={"conversation_id": "b", "code": "123456"},
    )
    assert refused.json()["code"] == "otp_wrong"


def test_the_business_code_expires_and_locks_like_the_identity_code(
    client: TestClient, clock: MutableClock, runtime: Runtime
) -> None:
    def challenge(conversation_id: str) -> str:
        answer = client.post(
            f"{BULK}/challenges",
            headers=SERVICE,
            json={"conversation_id": conversation_id, "business_number": NO_MOU},
        )
        return str(answer.json()["challenge_id"])

    def verify(challenge_id: str, conversation_id: str, code: str) -> tuple[int, str]:
        answer = client.post(
            f"{BULK}/challenges/{challenge_id}/verify",
            headers=SERVICE,
            json={"conversation_id": conversation_id, "code": code},
        )
        return answer.status_code, str(answer.json().get("code"))

    first = challenge("x")
    assert [verify(first, "x", "000000") for _ in range(5)][-1] == (400, "otp_locked")
    second = challenge("y")
    clock.advance(seconds=181)
    assert verify(second, "y", last_code(client, BUSINESS_CONTACTS[NO_MOU])) == (400, "otp_expired")
    with runtime.sessions() as s:
        stored = s.get(IdentityChallenge, second)
        assert stored is not None
        assert stored.purpose == "business"
        assert last_code(client, BUSINESS_CONTACTS[NO_MOU]) not in stored.code_hash


def test_a_staff_issued_token_is_exchanged_once_for_a_conversation(
    client: TestClient, runtime: Runtime
) -> None:
    issued = client.post(
        "/api/v1/staff/bulk/reservation-tokens",
        headers=staff(client, "counter1"),
        json={"business_number": NO_MOU},
    )
    assert issued.status_code == 201
    token = issued.json()["reservation_token"]
    assert len(token) == 11
    assert token[5] == "-"
    exchange = f"{BULK}/tokens/exchange"
    first = client.post(
        exchange,
        headers=SERVICE,
        json={"conversation_id": "biz-7", "reservation_token": token.lower().replace("-", " ")},
    )
    assert first.status_code == 200, first.text
    assert first.json()["quota"]["daily_limit"] == 20
    headers = {**SERVICE, "X-Business-Token": first.json()["business_token"]}
    made = reserve(client, headers, "k", business=NO_MOU, conversation_id="biz-7")
    assert made.status_code == 201
    second = client.post(
        exchange, headers=SERVICE, json={"conversation_id": "biz-8", "reservation_token": token}
    )
    assert second.json()["code"] == "business_proof_required"
    # The staff token itself is no business token, and it is stored hashed.
    raw = {**SERVICE, "X-Business-Token": token}
    assert reserve(client, raw, "k2", business=NO_MOU, conversation_id="biz-7").status_code == 401
    with runtime.sessions() as s:
        hashes = s.scalars(select(BusinessToken.token_hash)).all()
        assert all(token.replace("-", "") not in h for h in hashes)


def test_only_counter_staff_issue_reservation_tokens(client: TestClient) -> None:
    url = "/api/v1/staff/bulk/reservation-tokens"
    courier = client.post(
        url, headers=staff(client, "courier-sindang"), json={"business_number": MOU}
    )
    assert courier.status_code == 403
    unknown = client.post(
        url, headers=staff(client, "counter1"), json={"business_number": "1111111111"}
    )
    assert unknown.json()["code"] == "business_unknown"


def test_reservation_numbers_are_eight_digits_and_not_dates(client: TestClient) -> None:
    headers = prove_business(client, MOU)
    answers = [reserve(client, headers, f"k{i}", count=1) for i in range(8)]
    numbers = {answer.json()["reservation_id"] for answer in answers}
    assert len(numbers) == 8
    for number in numbers:
        assert len(number) == 8
        assert number.isdigit()
        assert number[0] != "0"
        assert not looks_like_date(number)


def test_staff_codes_always_mix_letters_and_digits() -> None:
    # The chat recognises a staff code by that mix (six digits alone are an SMS code).
    from app.services.business_proof import _new_staff_code

    codes = [_new_staff_code() for _ in range(2000)]
    assert all(not c.isalpha() and not c.isdigit() for c in codes)
