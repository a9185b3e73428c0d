"""The supervisor's figures for today at API level, and who may not see them."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.models import AuditLog
from app.runtime import Runtime
from tests.conftest import KIM, PARK, SERVICE, ConfirmFn, MutableClock
from tests.console.helpers import console_login
from tests.console.test_bulk_counter import MOU, PLAIN, reserve
from tests.console.test_deliveries import STAFF, delivery_order, login

TODAY = f"{STAFF}/supervisor/today"


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    # One resident confirms many orders here: the per-phone and per-client code limits are
    # tested elsewhere (tests/api/test_rate_limits.py).
    return {"sms_rate_limit_count": 50, "challenge_client_limit_count": 50}


def order(client: TestClient, confirm: ConfirmFn, method: str, key: str) -> None:
    conversation = f"web:lee-{key}"
    answer = client.post(
        "/api/v1/orders",
        headers={**confirm(KIM, conversation), "Idempotency-Key": key},
        json={
            "conversation_id": conversation,
            "document": "resident_copy",
            "copies": 1,
            "method": method,
        },
    )
    assert answer.status_code == 201, answer.text


def deliver(client: TestClient, number: str, headers: dict[str, str]) -> None:
    url = f"{STAFF}/deliveries/{number}/status"
    for body in (
        {"status": "issued"},
        {"status": "out_for_delivery"},
        {"status": "delivered", "id_checked": True},
    ):
        assert client.post(url, headers=headers, json=body).status_code == 200


def test_todays_figures(client: TestClient, confirm: ConfirmFn, clock: MutableClock) -> None:
    clock.advance(days=-1)
    order(client, confirm, "kiosk", "yesterday")  # another day: not counted
    clock.advance(days=1)
    for method, key in (("kiosk", "k1"), ("kiosk", "k2"), ("counter", "c1"), ("online", "o1")):
        order(client, confirm, method, key)
    on_time = delivery_order(client, confirm, KIM, "web:kim-a", "d1")  # due 13:00
    late = delivery_order(client, confirm, PARK, "web:park-a", "d2")  # due 13:00 (황학동)
    delivery_order(client, confirm, KIM, "web:kim-b", "d3")  # left open, overdue by 14:00
    supervisor = login(client, "supervisor1")
    clock.advance(hours=2)  # 12:00
    deliver(client, on_time, supervisor)
    clock.advance(hours=2)  # 14:00
    deliver(client, late, supervisor)
    client.post(
        "/api/v1/handoff/tickets",
        headers=SERVICE,
        json={
            "conversation_id": "web:h",
            "channel": "webchat",
            "sender_id": "h",
            "reason": "user_asked",
            "summary": "대리 발급 문의",
        },
    )
    reserve(client, MOU, 60, "a")
    reserve(client, PLAIN, 20, "b")
    figures = client.get(TODAY, headers=supervisor)
    assert figures.status_code == 200, figures.text
    body = figures.json()
    assert body["date"] == "2026-11-25"
    assert body["orders_by_method"] == {"kiosk": 2, "counter": 1, "online": 1, "delivery": 3}
    assert body["orders_total"] == 7
    assert body["deliveries"] == {
        "delivered_on_time": 1,
        "delivered_late": 1,
        "failed": 0,
        "open_in_time": 0,
        "open_overdue": 1,
        "on_time_percent": 50,
    }
    assert body["handoffs"] == {"waiting": 1, "taken": 0, "open": 1, "oldest_waiting_min": 0}
    assert [(b["business_name"], b["used"], b["daily_limit"]) for b in body["bulk"]] == [
        ("한빛신용정보", 60, 100),
        ("누리채권관리", 20, 20),
    ]
    assert body["bulk_used"] == 80


def test_a_counter_clerk_or_courier_is_refused_and_nothing_changes(
    client: TestClient, runtime: Runtime
) -> None:
    with runtime.sessions() as s:
        before = s.scalar(select(func.count()).select_from(AuditLog))
    for user in ("counter1", "courier-sindang"):
        answer = client.get(TODAY, headers=login(client, user))
        assert answer.status_code == 403
        assert answer.json()["code"] == "forbidden"
        assert "orders_by_method" not in answer.text
    assert client.get(TODAY).status_code == 401
    with runtime.sessions() as s:
        after = s.scalar(select(func.count()).select_from(AuditLog))
    assert after == (before or 0) + 2  # the two logins only


def test_the_supervisor_page_draws_todays_charts_for_supervisors_only(
    app: FastAPI, client: TestClient, confirm: ConfirmFn
) -> None:
    delivery_order(client, confirm, KIM, "web:kim-a", "d1")
    reserve(client, MOU, 60, "a")
    supervisor = TestClient(app)
    console_login(supervisor, "supervisor1")
    page = supervisor.get("/console/supervisor", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert page.text.count('<svg class="mw-chart"') == 3
    assert "한빛신용정보" in page.text
    assert "60건 / 100" in page.text
    for user in ("counter1", "courier-sindang"):
        other = TestClient(app)
        console_login(other, user)
        refused = other.get("/console/supervisor", headers={"Accept": "text/html"})
        assert refused.status_code == 403
        assert "한빛신용정보" not in refused.text


def test_chart_labels_are_escaped_and_limits_drawn() -> None:
    from app.services.console_charts import Bar, bar_chart

    svg = str(bar_chart([Bar("<script>x</script>", 12, 100)], title="한도 & 사용"))
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    assert "한도 &amp; 사용" in svg
    assert 'class="mw-chart-limit"' in svg
    assert "12건 / 100" not in svg  # no unit given
    assert "12 / 100" in svg
