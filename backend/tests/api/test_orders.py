"""Certificate orders through the API, on SQLite and PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.clock import SEOUL
from app.models import AuditLog, Order, OrderStatusHistory, Resident
from app.runtime import Runtime
from app.services.eligibility import age_on
from app.services.order_numbers import looks_like_date
from tests.conftest import KIM, LEE, PARK, SERVICE, ConfirmFn, MutableClock

ORDERS = "/api/v1/orders"


def order_body(
    document: str = "resident_copy",
    copies: int = 1,
    method: str = "kiosk",
    conversation_id: str = "conv-1",
) -> dict[str, object]:
    return {
        "conversation_id": conversation_id,
        "document": document,
        "copies": copies,
        "method": method,
    }


def post(client: TestClient, headers: dict[str, str], key: str, **body: object):  # type: ignore[no-untyped-def]
    return client.post(ORDERS, headers={**headers, "Idempotency-Key": key}, json=order_body(**body))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("document", "method", "copies", "fee", "extra"),
    [
        ("resident_copy", "kiosk", 2, 0, {"pickup_place": "가까운 무인민원 발급 ZONE (24시간)"}),
        ("resident_copy", "counter", 2, 800, {"pickup_place": "신당동 주민센터"}),
        ("family_relation", "online", 1, 0, {"online_url": "https://www.gov.kr"}),
        ("seal_certificate", "kiosk", 1, 600, {}),
        ("land_ledger", "kiosk", 3, 1500, {}),
        ("basic_cert", "delivery", 2, 2000, {"dong": "신당동"}),
    ],
)
def test_order_fee_comes_from_the_fee_table(
    client: TestClient,
    confirm: ConfirmFn,
    document: str,
    method: str,
    copies: int,
    fee: int,
    extra: dict[str, str],
) -> None:
    answer = post(client, confirm(KIM), "k1", document=document, method=method, copies=copies)
    assert answer.status_code == 201, answer.text
    order = answer.json()
    assert order["fee_krw"] == fee
    assert order["status"] == "accepted"
    for key, value in extra.items():
        assert order[key] == value


def test_fee_quote_says_why_a_kiosk_document_is_free(client: TestClient) -> None:
    quote = client.get(
        "/api/v1/fees/quote",
        headers=SERVICE,
        params={"document": "resident_copy", "method": "kiosk", "copies": 3},
    )
    assert quote.json() == {
        "document": "resident_copy",
        "method": "kiosk",
        "copies": 3,
        "fee_per_copy_krw": 0,
        "fee_krw": 0,
        "free_reason": "kiosk_free_in_district",
    }
    counter = client.get(
        "/api/v1/fees/quote",
        headers=SERVICE,
        params={"document": "resident_copy", "method": "counter", "copies": 3},
    )
    assert counter.json()["fee_krw"] == 1200


def test_seal_certificate_is_not_available_online(client: TestClient, confirm: ConfirmFn) -> None:
    answer = post(client, confirm(KIM), "k1", document="seal_certificate", method="online")
    assert answer.status_code == 422
    assert answer.json()["code"] == "method_not_available"


def test_order_number_is_eight_digits_not_a_date(client: TestClient, confirm: ConfirmFn) -> None:
    headers = confirm(KIM)
    numbers = [post(client, headers, f"k{i}").json()["order_id"] for i in range(10)]
    assert len(set(numbers)) == 10
    for number in numbers:
        assert len(number) == 8
        assert number.isdigit()
        assert number[0] != "0"
        assert not looks_like_date(number)


def test_same_idempotency_key_twice_makes_one_order(
    client: TestClient, confirm: ConfirmFn, runtime: Runtime
) -> None:
    headers = confirm(KIM)
    first = post(client, headers, "same-key", copies=2)
    second = post(client, headers, "same-key", copies=2)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json() == second.json()
    with runtime.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Order)) == 1


def test_same_idempotency_key_with_another_body_is_a_conflict(
    client: TestClient, confirm: ConfirmFn
) -> None:
    headers = confirm(KIM)
    post(client, headers, "same-key", copies=2)
    answer = post(client, headers, "same-key", copies=3)
    assert answer.status_code == 409
    assert answer.json()["code"] == "idempotency_conflict"


def test_same_idempotency_key_sent_concurrently_makes_one_order(
    client: TestClient, confirm: ConfirmFn, runtime: Runtime
) -> None:
    headers = confirm(KIM)
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: post(client, headers, "racing-key", copies=2), range(8)))
    assert sorted(a.status_code for a in answers) == [200] * 7 + [201]
    assert len({a.json()["order_id"] for a in answers}) == 1
    with runtime.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Order)) == 1


def test_idempotency_keys_of_two_residents_do_not_collide(
    client: TestClient, confirm: ConfirmFn
) -> None:
    kim = post(client, confirm(KIM), "shared-key")
    lee = post(client, confirm(LEE, conversation_id="conv-1"), "shared-key")
    assert (kim.status_code, lee.status_code) == (201, 201)
    assert kim.json()["order_id"] != lee.json()["order_id"]


def test_order_needs_an_idempotency_key(client: TestClient, confirm: ConfirmFn) -> None:
    answer = client.post(ORDERS, headers=confirm(KIM), json=order_body())
    assert answer.status_code == 422
    assert answer.json()["code"] == "invalid_request"


def test_home_delivery_goes_to_the_registered_address_with_a_deadline(
    client: TestClient, confirm: ConfirmFn
) -> None:
    answer = post(client, confirm(PARK), "k1", method="delivery", document="resident_abstract")
    assert answer.status_code == 201
    order = answer.json()
    assert order["dong"] == "황학동"
    assert order["delivery_address_masked"] == "서울특별시 중구 마장로 **"
    assert order["eligibility_reasons"] == ["pregnant"]
    assert order["deadline_at"] == "2026-11-25T13:00:00+09:00"  # 10:00 + 3 service hours


def test_home_delivery_refused_to_an_ineligible_resident(
    client: TestClient, confirm: ConfirmFn
) -> None:
    answer = post(client, confirm(LEE), "k1", method="delivery")
    assert answer.status_code == 403
    assert answer.json()["code"] == "delivery_not_eligible"


def test_home_delivery_only_for_listed_documents(client: TestClient, confirm: ConfirmFn) -> None:
    answer = post(client, confirm(KIM), "k1", method="delivery", document="seal_certificate")
    assert answer.status_code == 422
    assert answer.json()["code"] == "document_not_deliverable"


def test_status_by_number_shows_no_personal_data(client: TestClient, confirm: ConfirmFn) -> None:
    number = post(client, confirm(KIM), "k1", method="delivery").json()["order_id"]
    lookup = {**SERVICE, "X-Conversation-Id": "conv-2"}
    answer = client.get(f"{ORDERS}/{number}", headers=lookup)
    assert answer.status_code == 200
    assert set(answer.json()) == {
        "order_id",
        "document",
        "method",
        "status",
        "created_at",
        "deadline_at",
    }
    assert client.get(f"{ORDERS}/99999999", headers=lookup).json()["code"] == "order_not_found"


def test_resident_lists_own_orders_newest_first(
    client: TestClient, confirm: ConfirmFn, clock: MutableClock
) -> None:
    headers = confirm(KIM)
    first = post(client, headers, "a").json()["order_id"]
    clock.advance(minutes=1)
    second = post(client, headers, "b", method="counter").json()["order_id"]
    post(client, confirm(LEE, conversation_id="conv-1"), "c")
    listed = client.get(ORDERS, headers=headers).json()
    assert [o["order_id"] for o in listed] == [second, first]


def test_cancel_an_accepted_order_records_history_and_audit(
    client: TestClient, confirm: ConfirmFn, runtime: Runtime
) -> None:
    headers = confirm(KIM)
    number = post(client, headers, "k1").json()["order_id"]
    answer = client.post(f"{ORDERS}/{number}/cancel", headers=headers)
    assert answer.status_code == 200
    assert answer.json()["status"] == "cancelled"
    with runtime.sessions() as s:
        order = s.scalars(select(Order).where(Order.order_number == number)).one()
        history = s.scalars(
            select(OrderStatusHistory.status)
            .where(OrderStatusHistory.order_id == order.id)
            .order_by(OrderStatusHistory.id)
        ).all()
        assert history == ["accepted", "cancelled"]
        actions = s.scalars(
            select(AuditLog.action).where(AuditLog.entity_id == number).order_by(AuditLog.id)
        ).all()
        assert actions == ["order_created", "order_status_changed"]
        assert (
            s.scalars(select(AuditLog.actor).where(AuditLog.entity_id == number)).first()
            == f"resident:{order.resident_id}"
        )


def test_cannot_cancel_someone_elses_order(client: TestClient, confirm: ConfirmFn) -> None:
    number = post(client, confirm(KIM), "k1").json()["order_id"]
    answer = client.post(f"{ORDERS}/{number}/cancel", headers=confirm(LEE, "conv-2"))
    assert answer.status_code == 404
    assert answer.json()["code"] == "order_not_found"


def test_cannot_cancel_a_delivery_once_out(client: TestClient, confirm: ConfirmFn) -> None:
    headers = confirm(KIM)
    number = post(client, headers, "k1", method="delivery").json()["order_id"]
    login = client.post(
        "/api/v1/staff/login", json={"username": "courier-sindang", "password": "courier-dev-pass"}
    )
    staff = {"Authorization": f"Bearer {login.json()['token']}"}
    for status in ("issued", "out_for_delivery"):
        moved = client.post(
            f"/api/v1/staff/deliveries/{number}/status", headers=staff, json={"status": status}
        )
        assert moved.status_code == 200, moved.text
    answer = client.post(f"{ORDERS}/{number}/cancel", headers=headers)
    assert answer.status_code == 409
    assert answer.json()["code"] == "order_not_cancellable"


def test_seventieth_birthday_counts_from_midnight_in_seoul(
    client: TestClient, confirm: ConfirmFn, clock: MutableClock, runtime: Runtime
) -> None:
    person = {"name": "한생일", "birth_date": "1956-11-26", "phone": "01077776666"}
    with runtime.sessions() as s, s.begin():
        s.add(
            Resident(
                name=person["name"],
                birth_date=date(1956, 11, 26),
                phone=person["phone"],
                dong="명동",
                address="서울특별시 중구 명동길 1",
                disability=False,
                pregnant=False,
            )
        )
    # 00:30 on the 26th in Seoul is still the 25th in UTC: the resident is 70 in Seoul.
    clock.now = datetime(2026, 11, 26, 0, 30, tzinfo=SEOUL)
    assert clock.now.astimezone(UTC).date() == date(2026, 11, 25)
    headers = confirm(person)
    me = client.get("/api/v1/residents/me", headers=headers).json()
    assert me["eligibility_reasons"] == ["age_70_or_over"]
    clock.now = datetime(2026, 11, 25, 23, 59, tzinfo=SEOUL)
    assert client.get("/api/v1/residents/me", headers=headers).json()["delivery_eligible"] is False
    assert age_on(date(1956, 11, 26), date(2026, 11, 25)) == 69
