"""The delivery board at API level: deadlines counting down, overdue on top, each step told to
the resident in their channel, a courier held to their own dong, every step audited."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.adapters.rasa_client import RasaClient
from app.keyed_hash import hash_password
from app.models import AuditLog, Order, StaffAccount
from app.runtime import Runtime
from tests.conftest import KIM, PARK, ConfirmFn, MutableClock
from tests.console.helpers import console_login

STAFF = "/api/v1/staff"
PASSWORDS = {
    "counter1": "counter-dev-pass",
    "courier-sindang": "courier-dev-pass",
    "supervisor1": "supervisor-dev-pass",
    "courier-hwanghak": "courier-hwanghak-pass",
}
WEB_KIM = "web:kim-delivery-chat"


def login(client: TestClient, username: str) -> dict[str, str]:
    answer = client.post(
        f"{STAFF}/login", json={"username": username, "password": PASSWORDS[username]}
    )
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def add_courier(runtime: Runtime, username: str = "courier-hwanghak", dong: str = "황학동") -> None:
    """A courier of another dong (the dev seed has only 신당동's)."""
    with runtime.sessions() as s, s.begin():
        s.add(
            StaffAccount(
                username=username,
                display_name=f"{dong} 배달 담당",
                password_hash=hash_password(PASSWORDS[username]),
                role="dong_courier",
                dong=dong,
            )
        )


def delivery_order(
    client: TestClient,
    confirm: ConfirmFn,
    person: dict[str, str] = KIM,
    conversation_id: str = WEB_KIM,
    key: str = "k1",
) -> str:
    headers = confirm(person, conversation_id)
    answer = client.post(
        "/api/v1/orders",
        headers={**headers, "Idempotency-Key": key},
        json={
            "conversation_id": conversation_id,
            "document": "resident_copy",
            "copies": 1,
            "method": "delivery",
        },
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["order_id"])


class RasaApi:
    """Rasa's HTTP API at the edge: records what the backend's Rasa client appends."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.pushed: list[tuple[str, str, dict[str, Any]]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        conversation = request.url.path.split("/")[2]
        for event in json.loads(request.content):
            self.pushed.append((conversation, request.url.params.get("output_channel", ""), event))
        return httpx.Response(self.status, json={})

    def texts(self, conversation_id: str) -> list[str]:
        return [e["text"] for c, _, e in self.pushed if c == conversation_id]


@pytest.fixture
def rasa_api(app: FastAPI) -> Iterator[RasaApi]:
    """The console's Rasa client (app.console.rasa) talking to a recorded Rasa HTTP API."""
    api = RasaApi()
    client = RasaClient("http://rasa.test", "x" * 32, transport=httpx.MockTransport(api))
    previous = getattr(app.state, "console_rasa", None)
    app.state.console_rasa = client
    yield api
    app.state.console_rasa = previous
    client.close()


def audit(runtime: Runtime, order_id: str) -> list[tuple[str, str, Any]]:
    with runtime.sessions() as s:
        rows = s.scalars(
            select(AuditLog).where(AuditLog.entity_id == order_id).order_by(AuditLog.id)
        ).all()
        return [(r.action, r.actor, r.detail) for r in rows]


def test_board_counts_down_to_the_deadline_with_overdue_on_top(
    client: TestClient, confirm: ConfirmFn, clock: MutableClock
) -> None:
    first = delivery_order(client, confirm, KIM, "web:kim-1", "k1")  # 10:00, due 13:00
    clock.advance(hours=1)
    second = delivery_order(client, confirm, KIM, "web:kim-2", "k2")  # 11:00, due 14:00
    park = delivery_order(client, confirm, PARK, "web:park-1", "k3")  # 황학동, due 14:00
    clock.advance(hours=2, minutes=30)  # 13:30
    board = client.get(f"{STAFF}/deliveries/board", headers=login(client, "supervisor1")).json()
    assert (board["open"], board["overdue"]) == (3, 1)
    assert [g["dong"] for g in board["dongs"]] == ["신당동", "황학동"]  # the overdue dong first
    sindang = board["dongs"][0]["deliveries"]
    assert [(d["order_id"], d["is_overdue"], d["seconds_left"]) for d in sindang] == [
        (first, True, -1800),
        (second, False, 1800),
    ]
    assert [d["order_id"] for d in board["dongs"][1]["deliveries"]] == [park]
    courier = client.get(
        f"{STAFF}/deliveries/board", headers=login(client, "courier-sindang")
    ).json()
    assert [g["dong"] for g in courier["dongs"]] == ["신당동"]


def test_each_step_is_told_to_the_resident_and_audited(
    client: TestClient, confirm: ConfirmFn, runtime: Runtime, rasa_api: RasaApi
) -> None:
    number = delivery_order(client, confirm)
    courier = login(client, "courier-sindang")
    url = f"{STAFF}/deliveries/{number}/status"
    for status in ("issued", "out_for_delivery"):
        answer = client.post(url, headers=courier, json={"status": status})
        assert answer.status_code == 200, answer.text
        assert answer.json()["resident_told"] is True
    done = client.post(
        url,
        headers=courier,
        json={
            "status": "delivered",
            "id_checked": True,
            "welfare_note": "혼자 사시고 난방이 고장 났어요",
            "welfare_alert": True,
        },
    )
    assert done.status_code == 200, done.text
    assert done.json()["resident_told"] is True
    told = rasa_api.texts(WEB_KIM)
    assert len(told) == 3
    assert "발급됐어요" in told[0]
    assert number in told[0]
    assert "출발했어요" in told[1]
    assert "신분증" in told[1]
    assert "배달을 마쳤어요" in told[2]
    assert {channel for _, channel, _ in rasa_api.pushed} == {"webchat"}
    # The welfare note stays with staff: the resident's messages never carry it.
    assert not any("난방" in t for t in told)
    care = client.get(f"{STAFF}/care-cases", headers=login(client, "supervisor1")).json()
    assert [(c["order_id"], c["welfare_note"]) for c in care] == [
        (number, "혼자 사시고 난방이 고장 났어요")
    ]
    actions = [(a, actor) for a, actor, _ in audit(runtime, number)]
    assert actions[1:] == [
        ("order_status_changed", "staff:courier-sindang"),
        ("resident_notified", "staff:courier-sindang"),
        ("order_status_changed", "staff:courier-sindang"),
        ("resident_notified", "staff:courier-sindang"),
        ("order_status_changed", "staff:courier-sindang"),
        ("welfare_alert_raised", "staff:courier-sindang"),
        ("resident_notified", "staff:courier-sindang"),
    ]


def test_a_failed_delivery_needs_a_reason_that_the_resident_is_not_told(
    client: TestClient, confirm: ConfirmFn, runtime: Runtime, rasa_api: RasaApi
) -> None:
    number = delivery_order(client, confirm)
    courier = login(client, "courier-sindang")
    url = f"{STAFF}/deliveries/{number}/status"
    for status in ("issued", "out_for_delivery"):
        assert client.post(url, headers=courier, json={"status": status}).status_code == 200
    no_reason = client.post(url, headers=courier, json={"status": "failed"})
    assert no_reason.status_code == 422
    failed = client.post(
        url, headers=courier, json={"status": "failed", "failure_reason": "부재중, 문 앞 메모"}
    )
    assert failed.status_code == 200, failed.text
    assert failed.json()["status"] == "failed"
    last = rasa_api.texts(WEB_KIM)[-1]
    assert "전해 드리지 못했어요" in last
    assert "부재중" not in last
    reasons = [d for a, _, d in audit(runtime, number) if a == "delivery_failed"]
    assert reasons == [{"reason": "부재중, 문 앞 메모"}]


def test_a_channel_that_cannot_be_reached_does_not_undo_the_step(
    client: TestClient, confirm: ConfirmFn, runtime: Runtime, rasa_api: RasaApi
) -> None:
    rasa_api.status = 503
    number = delivery_order(client, confirm)
    answer = client.post(
        f"{STAFF}/deliveries/{number}/status",
        headers=login(client, "courier-sindang"),
        json={"status": "issued"},
    )
    assert answer.status_code == 200
    assert (answer.json()["status"], answer.json()["resident_told"]) == ("issued", False)
    assert audit(runtime, number)[-1][0] == "resident_notice_failed"


def test_a_courier_of_another_dong_can_neither_see_nor_change_it(
    client: TestClient, confirm: ConfirmFn, runtime: Runtime, rasa_api: RasaApi
) -> None:
    add_courier(runtime)
    number = delivery_order(client, confirm)  # 신당동
    other = login(client, "courier-hwanghak")
    own = client.get(f"{STAFF}/deliveries/board", headers=other).json()
    assert own["dongs"] == []
    assert own["open"] == 0
    assert client.get(f"{STAFF}/deliveries", headers=other).json() == []
    for path in ("/deliveries/board", "/deliveries"):
        peek = client.get(f"{STAFF}{path}", headers=other, params={"dong": "신당동"})
        assert peek.status_code == 403
        assert peek.json()["code"] == "wrong_dong"
    before = audit(runtime, number)
    moved = client.post(
        f"{STAFF}/deliveries/{number}/status", headers=other, json={"status": "issued"}
    )
    assert moved.status_code == 403
    assert moved.json()["code"] == "wrong_dong"
    alert = client.post(
        f"{STAFF}/deliveries/{number}/welfare-alert", headers=other, json={"note": "확인 요망"}
    )
    assert alert.status_code == 403
    with runtime.sessions() as s:
        order = s.scalars(select(Order).where(Order.order_number == number)).one()
        assert (order.status, order.welfare_alert) == ("accepted", False)
    assert audit(runtime, number) == before
    assert rasa_api.pushed == []


def test_a_welfare_alert_without_a_step_lands_on_the_care_list(
    client: TestClient, confirm: ConfirmFn, runtime: Runtime
) -> None:
    number = delivery_order(client, confirm)
    answer = client.post(
        f"{STAFF}/deliveries/{number}/welfare-alert",
        headers=login(client, "courier-sindang"),
        json={"note": "거동이 불편해 보이세요"},
    )
    assert answer.status_code == 200, answer.text
    assert (answer.json()["status"], answer.json()["welfare_alert"]) == ("accepted", True)
    care = client.get(f"{STAFF}/care-cases", headers=login(client, "supervisor1")).json()
    assert [c["order_id"] for c in care] == [number]
    assert audit(runtime, number)[-1][:2] == ("welfare_alert_raised", "staff:courier-sindang")


def test_the_board_page_moves_a_delivery_with_the_courier_of_its_dong_only(
    app: FastAPI, client: TestClient, confirm: ConfirmFn, runtime: Runtime, rasa_api: RasaApi
) -> None:
    add_courier(runtime)
    number = delivery_order(client, confirm)
    other = TestClient(app)
    other_csrf = console_login(other, "courier-hwanghak", PASSWORDS["courier-hwanghak"])
    courier = TestClient(app)
    csrf = console_login(courier, "courier-sindang")
    page = courier.get("/console/deliveries", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert number in page.text
    assert "ops-countdown" in page.text
    assert "3시간 0분 남음" in page.text  # 10:00, due 13:00
    # Chromium sends `Origin: null` with a form POST from a no-referrer page (CSRF refuses it).
    assert page.headers["referrer-policy"] == "same-origin"
    assert number not in other.get("/console/deliveries").text
    peek = other.get("/console/deliveries", params={"dong": "신당동"})
    assert peek.status_code == 403
    assert number not in peek.text
    before = audit(runtime, number)
    url = f"/console/deliveries/{number}/status"
    stolen = other.post(url, data={"status": "issued", "csrf_token": other_csrf})
    assert stolen.status_code == 403
    no_csrf = courier.post(url, data={"status": "issued"})
    assert no_csrf.status_code == 403
    assert no_csrf.json()["code"] == "csrf_failed"
    assert audit(runtime, number) == before
    for status in ("issued", "out_for_delivery"):
        step = courier.post(
            url, data={"status": status, "csrf_token": csrf}, follow_redirects=False
        )
        assert step.status_code == 303
    no_id = courier.post(url, data={"status": "delivered", "csrf_token": csrf})
    assert no_id.status_code == 422
    assert "신분증을 확인한 뒤에" in no_id.text
    done = courier.post(
        url,
        data={
            "status": "delivered",
            "id_checked": "on",
            "welfare_note": "건강해 보이세요",
            "csrf_token": csrf,
        },
    )
    assert done.status_code == 200  # the redirect followed to the board
    assert "배달 완료로 표시했어요. 주민에게 알렸어요." in done.text
    assert len(rasa_api.texts(WEB_KIM)) == 3
    with runtime.sessions() as s:
        order = s.scalars(select(Order).where(Order.order_number == number)).one()
        assert (order.status, order.id_checked, order.welfare_note) == (
            "delivered",
            True,
            "건강해 보이세요",
        )
