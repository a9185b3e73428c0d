"""Staff endpoints: login, roles, handoff tickets, deliveries by dong, care list, bulk queue."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.models import AuditLog
from app.runtime import Runtime
from tests.conftest import KIM, SERVICE, ConfirmFn, prove_business

STAFF = "/api/v1/staff"
PASSWORDS = {
    "counter1": "counter-dev-pass",
    "courier-sindang": "courier-dev-pass",
    "supervisor1": "supervisor-dev-pass",
}


def login(client: TestClient, username: str) -> dict[str, str]:
    answer = client.post(
        f"{STAFF}/login", json={"username": username, "password": PASSWORDS[username]}
    )
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def delivery_order(client: TestClient, confirm: ConfirmFn, key: str = "k1") -> str:
    answer = client.post(
        "/api/v1/orders",
        headers={**confirm(KIM), "Idempotency-Key": key},
        json={
            "conversation_id": "conv-1",
            "document": "resident_copy",
            "copies": 1,
            "method": "delivery",
        },
    )
    assert answer.status_code == 201
    return str(answer.json()["order_id"])


@pytest.mark.parametrize(
    ("username", "password"),
    [("counter1", "wrong"), ("nobody", "counter-dev-pass"), ("counter1", "")],
)
def test_wrong_login_is_one_plain_401(client: TestClient, username: str, password: str) -> None:
    answer = client.post(f"{STAFF}/login", json={"username": username, "password": password})
    assert answer.status_code in (401, 422)
    assert answer.json()["code"] in ("unauthorized", "invalid_request")


def test_staff_endpoints_need_a_staff_token(client: TestClient) -> None:
    for headers in ({}, SERVICE, {"Authorization": "Bearer not-a-token"}):
        answer = client.get(f"{STAFF}/tickets", headers=headers)
        assert answer.status_code == 401
        assert answer.json()["code"] == "unauthorized"


def test_handoff_ticket_waits_then_is_taken_and_resolved(
    client: TestClient, runtime: Runtime
) -> None:
    created = client.post(
        "/api/v1/handoff/tickets",
        headers=SERVICE,
        json={
            "conversation_id": "conv-9",
            "channel": "kakao",
            "sender_id": "u-1",
            "reason": "user_asked",
            "summary": "asks about a proxy",
        },
    )
    assert created.status_code == 201
    ticket = created.json()
    assert ticket["status"] == "waiting"
    assert ticket["staff_hours"]["is_open_now"] is True  # Wednesday 10:00
    counter = login(client, "counter1")
    listed = client.get(f"{STAFF}/tickets", headers=counter).json()
    assert [t["ticket_id"] for t in listed] == [ticket["ticket_id"]]
    taken = client.post(f"{STAFF}/tickets/{ticket['ticket_id']}/take", headers=counter)
    assert taken.json()["status"] == "taken"
    assert taken.json()["taken_at"] is not None
    again = client.post(
        f"{STAFF}/tickets/{ticket['ticket_id']}/take", headers=login(client, "supervisor1")
    )
    assert again.status_code == 409
    resolved = client.post(f"{STAFF}/tickets/{ticket['ticket_id']}/resolve", headers=counter)
    assert resolved.json()["status"] == "resolved"
    assert client.get(f"{STAFF}/tickets", headers=counter).json() == []
    with runtime.sessions() as s:
        actions = s.scalars(
            select(AuditLog.action)
            .where(AuditLog.entity_id == ticket["ticket_id"])
            .order_by(AuditLog.id)
        ).all()
        actors = s.scalars(
            select(AuditLog.actor)
            .where(AuditLog.entity_id == ticket["ticket_id"])
            .order_by(AuditLog.id)
        ).all()
    assert actions == ["handoff_opened", "handoff_taken", "handoff_resolved"]
    assert actors == ["system", "staff:counter1", "staff:counter1"]


def test_courier_sees_own_dong_deliveries_with_deadline(
    client: TestClient, confirm: ConfirmFn
) -> None:
    number = delivery_order(client, confirm)
    courier = login(client, "courier-sindang")
    listed = client.get(f"{STAFF}/deliveries", headers=courier).json()
    assert [(o["order_id"], o["dong"], o["deadline_at"]) for o in listed] == [
        (number, "신당동", "2026-11-25T13:00:00+09:00")
    ]
    other = client.get(f"{STAFF}/deliveries", headers=courier, params={"dong": "명동"})
    assert other.status_code == 403
    assert other.json()["code"] == "wrong_dong"
    unknown = client.get(
        f"{STAFF}/deliveries", headers=login(client, "supervisor1"), params={"dong": "강남동"}
    )
    assert unknown.status_code == 422
    assert unknown.json()["code"] == "wrong_dong"


def test_delivery_is_completed_only_after_the_id_check(
    client: TestClient, confirm: ConfirmFn
) -> None:
    number = delivery_order(client, confirm)
    courier = login(client, "courier-sindang")
    url = f"{STAFF}/deliveries/{number}/status"
    skipped = client.post(url, headers=courier, json={"status": "delivered"})
    assert skipped.status_code == 409
    assert skipped.json()["code"] == "invalid_status_change"
    for status in ("issued", "out_for_delivery"):
        assert client.post(url, headers=courier, json={"status": status}).status_code == 200
    no_id = client.post(url, headers=courier, json={"status": "delivered"})
    assert no_id.status_code == 422
    done = client.post(
        url,
        headers=courier,
        json={
            "status": "delivered",
            "id_checked": True,
            "welfare_note": "lives alone, heating broken",
            "welfare_alert": True,
        },
    )
    assert done.status_code == 200
    assert done.json()["status"] == "delivered"
    assert done.json()["id_checked"] is True
    care = client.get(f"{STAFF}/care-cases", headers=login(client, "supervisor1")).json()
    assert [(c["order_id"], c["welfare_note"]) for c in care] == [
        (number, "lives alone, heating broken")
    ]
    assert client.get(f"{STAFF}/care-cases", headers=login(client, "counter1")).status_code == 403


def test_roles_limit_what_staff_can_do(client: TestClient, confirm: ConfirmFn) -> None:
    number = delivery_order(client, confirm)
    counter = login(client, "counter1")
    answer = client.post(
        f"{STAFF}/deliveries/{number}/status", headers=counter, json={"status": "issued"}
    )
    assert answer.status_code == 403
    assert answer.json()["code"] == "forbidden"
    courier = login(client, "courier-sindang")
    assert client.get(f"{STAFF}/bulk/today", headers=courier).status_code == 403


def test_bulk_queue_lists_todays_reservations(client: TestClient) -> None:
    client.post(
        "/api/v1/bulk/reservations",
        headers={**prove_business(client, "1234567890", "b"), "Idempotency-Key": "q"},
        json={
            "conversation_id": "b",
            "business_number": "1234567890",
            "document": "resident_abstract",
            "count": 12,
        },
    )
    queue = client.get(f"{STAFF}/bulk/today", headers=login(client, "counter1")).json()
    assert queue["date"] == "2026-11-25"
    assert [(r["business_name"], r["count"], r["document"]) for r in queue["reservations"]] == [
        ("한빛신용정보", 12, "resident_abstract")
    ]


def test_staff_token_expires(client: TestClient, clock) -> None:  # type: ignore[no-untyped-def]
    counter = login(client, "counter1")
    clock.advance(hours=8)
    assert client.get(f"{STAFF}/tickets", headers=counter).status_code == 401


def test_counter_moves_a_counter_order_to_pickup(client: TestClient, confirm: ConfirmFn) -> None:
    headers = confirm(KIM)
    answer = client.post(
        "/api/v1/orders",
        headers={**headers, "Idempotency-Key": "c1"},
        json={
            "conversation_id": "conv-1",
            "document": "resident_copy",
            "copies": 1,
            "method": "counter",
        },
    )
    number = answer.json()["order_id"]
    counter = login(client, "counter1")
    url = f"{STAFF}/orders/{number}/status"
    assert client.post(url, headers=counter, json={"status": "picked_up"}).status_code == 409
    for status in ("issued", "ready_for_pickup"):
        moved = client.post(url, headers=counter, json={"status": status})
        assert moved.status_code == 200
        assert moved.json()["status"] == status
    lookup = {**SERVICE, "X-Conversation-Id": "conv-1"}
    assert client.get(f"/api/v1/orders/{number}", headers=lookup).json()["status"] == (
        "ready_for_pickup"
    )
    cancel = client.post(f"/api/v1/orders/{number}/cancel", headers=headers)
    assert cancel.json()["code"] == "order_not_cancellable"
    courier = login(client, "courier-sindang")
    assert client.post(url, headers=courier, json={"status": "picked_up"}).status_code == 403
