"""The bulk counter at API level: today's reservations by business with what is left of each
quota (100 with an MOU, 20 without), picked up, refused with a reason (the count goes back)."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.models import AuditLog, BulkReservation
from app.runtime import Runtime
from tests.conftest import MutableClock, prove_business
from tests.console.helpers import console_login
from tests.console.test_deliveries import STAFF, login

MOU, PLAIN = "1234567890", "9876543210"  # 한빛신용정보 (MOU), 누리채권관리


def reserve(client: TestClient, business: str, count: int, key: str) -> str:
    conversation = f"telegram:biz-{business}-{key}"
    answer = client.post(
        "/api/v1/bulk/reservations",
        headers={**prove_business(client, business, conversation), "Idempotency-Key": key},
        json={
            "conversation_id": conversation,
            "business_number": business,
            "document": "resident_abstract",
            "count": count,
        },
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["reservation_id"])


def counter(client: TestClient, headers: dict[str, str]) -> dict[str, dict]:  # type: ignore[type-arg]
    answer = client.get(f"{STAFF}/bulk/counter", headers=headers)
    assert answer.status_code == 200, answer.text
    return {b["business_name"]: b for b in answer.json()["businesses"]}


def test_todays_reservations_by_business_with_what_is_left(
    client: TestClient, clock: MutableClock
) -> None:
    clock.advance(days=-1)
    reserve(client, MOU, 50, "yesterday")  # another Seoul day: not in today's quota
    clock.advance(days=1)
    reserve(client, MOU, 30, "a")
    reserve(client, MOU, 12, "b")
    reserve(client, PLAIN, 15, "c")
    day = counter(client, login(client, "counter1"))
    assert [(b["daily_limit"], b["used"], b["remaining"]) for b in day.values()] == [
        (20, 15, 5),  # 누리채권관리 sorts before 한빛신용정보
        (100, 42, 58),
    ]
    assert [r["count"] for r in day["한빛신용정보"]["reservations"]] == [30, 12]
    assert all(r["status"] == "reserved" for b in day.values() for r in b["reservations"])


def test_picked_up_once_and_audited(client: TestClient, runtime: Runtime) -> None:
    rid = reserve(client, MOU, 20, "a")
    clerk = login(client, "counter1")
    done = client.post(f"{STAFF}/bulk/reservations/{rid}/pickup", headers=clerk)
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "picked_up"
    again = client.post(f"{STAFF}/bulk/reservations/{rid}/pickup", headers=clerk)
    assert again.status_code == 409
    assert again.json()["code"] == "invalid_status_change"
    unknown = client.post(f"{STAFF}/bulk/reservations/00000000/pickup", headers=clerk)
    assert unknown.status_code == 404
    day = counter(client, clerk)
    assert day["한빛신용정보"]["used"] == 20  # handed over: still counted
    with runtime.sessions() as s:
        rows = s.scalars(
            select(AuditLog).where(AuditLog.entity_id == rid).order_by(AuditLog.id)
        ).all()
    assert [(r.action, r.actor) for r in rows] == [
        ("bulk_reserved", f"business:{MOU}"),
        ("bulk_picked_up", "staff:counter1"),
    ]


def test_refused_with_a_reason_gives_the_count_back(client: TestClient, runtime: Runtime) -> None:
    rid = reserve(client, PLAIN, 20, "a")
    clerk = login(client, "counter1")
    no_reason = client.post(
        f"{STAFF}/bulk/reservations/{rid}/refuse", headers=clerk, json={"reason": "  "}
    )
    assert no_reason.status_code == 422
    refused = client.post(
        f"{STAFF}/bulk/reservations/{rid}/refuse",
        headers=clerk,
        json={"reason": "채권 증빙 서류가 없어요"},
    )
    assert refused.status_code == 200, refused.text
    assert refused.json()["status"] == "refused"
    plain = counter(client, clerk)["누리채권관리"]
    assert (plain["used"], plain["remaining"]) == (0, 20)
    assert plain["reservations"][0]["refusal_reason"] == "채권 증빙 서류가 없어요"
    # The business may come back the same day with the right papers, within 20 again.
    reserve(client, PLAIN, 20, "b")
    assert client.post(f"{STAFF}/bulk/reservations/{rid}/pickup", headers=clerk).status_code == 409
    with runtime.sessions() as s:
        row = s.scalars(
            select(AuditLog).where(AuditLog.action == "bulk_refused", AuditLog.entity_id == rid)
        ).one()
    assert row.actor == "staff:counter1"
    assert row.detail is not None
    assert row.detail["reason"] == "채권 증빙 서류가 없어요"


def test_a_courier_cannot_work_the_bulk_counter(client: TestClient, runtime: Runtime) -> None:
    rid = reserve(client, MOU, 5, "a")
    courier = login(client, "courier-sindang")
    assert client.get(f"{STAFF}/bulk/counter", headers=courier).status_code == 403
    for step, body in (("pickup", None), ("refuse", {"reason": "x"})):
        answer = client.post(f"{STAFF}/bulk/reservations/{rid}/{step}", headers=courier, json=body)
        assert answer.status_code == 403
        assert answer.json()["code"] == "forbidden"
    with runtime.sessions() as s:
        status = s.scalars(
            select(BulkReservation.status).where(BulkReservation.reservation_id == rid)
        ).one()
    assert status == "reserved"
    assert counter(client, login(client, "supervisor1"))["한빛신용정보"]["used"] == 5


def test_the_counter_page_hands_over_and_refuses(
    app: FastAPI, client: TestClient, runtime: Runtime
) -> None:
    picked, refused = reserve(client, MOU, 30, "a"), reserve(client, PLAIN, 20, "b")
    clerk = TestClient(app)
    csrf = console_login(clerk, "counter1")
    page = clerk.get("/console/bulk", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "남은 한도 70 / 100건" in page.text
    assert "남은 한도 0 / 20건" in page.text
    assert "<svg" in page.text  # the quota chart, drawn on the server
    done = clerk.post(f"/console/bulk/{picked}/pickup", data={"csrf_token": csrf})
    assert "수령 완료로 표시했어요." in done.text
    empty = clerk.post(f"/console/bulk/{refused}/refuse", data={"csrf_token": csrf, "reason": ""})
    assert empty.status_code == 422
    assert "거절 사유를 적어 주세요." in empty.text
    no_csrf = clerk.post(f"/console/bulk/{refused}/refuse", data={"reason": "서류 없음"})
    assert no_csrf.status_code == 403
    gone = clerk.post(
        f"/console/bulk/{refused}/refuse", data={"csrf_token": csrf, "reason": "위임 서류 없음"}
    )
    assert "남은 한도 20 / 20건" in gone.text
    assert "사유: 위임 서류 없음" in gone.text
    courier = TestClient(app)
    courier_csrf = console_login(courier, "courier-sindang")
    assert courier.get("/console/bulk").status_code == 403
    again = courier.post(f"/console/bulk/{picked}/refuse", data={"csrf_token": courier_csrf})
    assert again.status_code == 403
    with runtime.sessions() as s:
        statuses = dict(
            s.execute(select(BulkReservation.reservation_id, BulkReservation.status)).all()
        )
    assert statuses == {picked: "picked_up", refused: "refused"}
