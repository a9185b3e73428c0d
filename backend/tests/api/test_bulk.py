"""Bulk reservations through the API, on SQLite and PostgreSQL."""

from __future__ import annotations

import weakref
from datetime import datetime

import pytest
from fastapi.testclient import TestClient

from app.clock import SEOUL
from tests.conftest import SERVICE, MutableClock, prove_business

MOU, NO_MOU = "1234567890", "9876543210"
RESERVE = "/api/v1/bulk/reservations"
_proofs: weakref.WeakKeyDictionary[TestClient, dict[str, dict[str, str]]] = (
    weakref.WeakKeyDictionary()
)


def proof(client: TestClient, business: str) -> dict[str, str]:
    """One proof per business and test client (a code costs an SMS and counts against limits)."""
    proofs = _proofs.setdefault(client, {})
    if business not in proofs:
        known = business in (MOU, NO_MOU)
        proofs[business] = prove_business(client, business) if known else dict(SERVICE)
    return proofs[business]


def reserve(
    client: TestClient, business: str, count: int, key: str, document: str = "resident_copy"
):  # type: ignore[no-untyped-def]
    return client.post(
        RESERVE,
        headers={**proof(client, business), "Idempotency-Key": key},
        json={
            "conversation_id": "biz-1",
            "business_number": business,
            "document": document,
            "count": count,
        },
    )


def quota(client: TestClient, business: str) -> dict[str, object]:
    answer = client.get(
        f"/api/v1/bulk/businesses/{business}/quota", headers=proof(client, business)
    )
    assert answer.status_code == 200
    return answer.json()  # type: ignore[no-any-return]


def test_quota_of_an_mou_business_is_100_a_day(client: TestClient) -> None:
    assert quota(client, MOU) == {
        "business_number": MOU,
        "business_name": "한빛신용정보",
        "mou": True,
        "daily_limit": 100,
        "used_today": 0,
        "remaining_today": 100,
        "date": "2026-11-25",
    }
    assert quota(client, NO_MOU)["daily_limit"] == 20


def test_reservations_are_summed_over_the_day(client: TestClient) -> None:
    first = reserve(client, MOU, 60, "a")
    assert first.status_code == 201
    assert first.json()["remaining_today"] == 40
    assert first.json()["pickup_place"] == "중구청 민원여권과 대량 발급 전담창구"
    refused = reserve(client, MOU, 41, "b")
    assert refused.status_code == 409
    assert refused.json()["code"] == "bulk_quota_exceeded"
    assert refused.json()["remaining"] == 40
    assert reserve(client, MOU, 40, "c").status_code == 201
    assert quota(client, MOU)["remaining_today"] == 0


def test_a_business_without_mou_gets_20(client: TestClient) -> None:
    assert reserve(client, NO_MOU, 20, "a").status_code == 201
    refused = reserve(client, NO_MOU, 1, "b")
    assert refused.status_code == 409
    assert refused.json()["remaining"] == 0
    assert reserve(client, NO_MOU, 21, "c").json()["code"] == "bulk_quota_exceeded"


def test_the_quota_resets_on_the_seoul_calendar_day(
    client: TestClient, clock: MutableClock
) -> None:
    clock.now = datetime(2026, 11, 25, 23, 50, tzinfo=SEOUL)
    assert reserve(client, NO_MOU, 20, "a").status_code == 201
    clock.now = datetime(2026, 11, 26, 0, 10, tzinfo=SEOUL)  # still the 25th in UTC
    answer = reserve(client, NO_MOU, 20, "b")
    assert answer.status_code == 201
    assert answer.json()["date"] == "2026-11-26"


def test_same_key_replays_the_reservation(client: TestClient) -> None:
    first = reserve(client, MOU, 30, "same")
    again = reserve(client, MOU, 30, "same")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["reservation_id"] == first.json()["reservation_id"]
    assert quota(client, MOU)["used_today"] == 30
    assert reserve(client, MOU, 31, "same").json()["code"] == "idempotency_conflict"


@pytest.mark.parametrize(
    ("business", "document", "count", "status", "code"),
    [
        ("1111111111", "resident_copy", 1, 401, "business_proof_required"),
        (MOU, "family_relation", 1, 422, "bulk_document_not_allowed"),
        (MOU, "resident_copy", 0, 422, "invalid_request"),
        (MOU, "resident_copy", 10**30, 409, "bulk_quota_exceeded"),
        ("12345", "resident_copy", 1, 422, "invalid_request"),
    ],
)
def test_bad_reservations_are_refused_clearly(
    client: TestClient, business: str, document: str, count: int, status: int, code: str
) -> None:
    answer = reserve(client, business, count, "k", document=document)
    assert answer.status_code == status
    assert answer.json()["code"] == code


def test_no_quota_without_proof_known_or_not(client: TestClient) -> None:
    for number in (MOU, "0000000000", "12-34", "١٢٣٤٥٦٧٨٩٠"):
        answer = client.get(f"/api/v1/bulk/businesses/{number}/quota", headers=SERVICE)
        assert answer.status_code == 401
        assert answer.json()["code"] == "business_proof_required"
        assert "business_name" not in answer.text
