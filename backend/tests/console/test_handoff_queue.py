"""The handoff queue in the console: take, transcript, reply by channel, hand back, escalation.

Rasa is the real RasaClient talking to a recording stand-in of Rasa's HTTP API (httpx
MockTransport): the test sees the exact requests the backend makes, including its tokens.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import httpx
import jwt
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.adapters.rasa_client import RasaClient
from app.console.models import HandoffEntry
from app.errors import TicketStateConflict
from app.models import AuditLog, HandoffTicket
from app.repositories.store import Store
from app.runtime import Runtime
from app.services import handoff
from tests.conftest import SERVICE, MutableClock
from tests.console.helpers import console_login

RASA_SECRET = "rasa-jwt-secret-for-console-tests-0123456789"


class FakeRasa:
    """Rasa's HTTP API as far as the console uses it; records every request."""

    def __init__(self) -> None:
        self.events: dict[str, list[dict[str, Any]]] = {}
        self.requests: list[httpx.Request] = []
        self.down = False

    def handler(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("refused", request=request)
        self.requests.append(request)
        claims = jwt.decode(
            request.headers["authorization"].removeprefix("Bearer "),
            RASA_SECRET,
            algorithms=["HS256"],
        )
        path = request.url.path  # /conversations/<id>/tracker[/events]
        conversation = path.split("/")[2]
        # Rasa's own rule for role "user": only the conversation named in the token
        if claims["user"]["role"] != "user" or claims["user"]["username"] != conversation:
            return httpx.Response(403, json={"reason": "NotAuthorized"})
        events = self.events.setdefault(conversation, [])
        if request.method == "POST" and path.endswith("/tracker/events"):
            import json

            events.extend(json.loads(request.content))
        return httpx.Response(200, json={"sender_id": conversation, "events": events})

    def posted(self, conversation: str) -> list[httpx.Request]:
        return [
            r
            for r in self.requests
            if r.method == "POST" and r.url.path == f"/conversations/{conversation}/tracker/events"
        ]


@pytest.fixture
def rasa(app: FastAPI) -> FakeRasa:
    fake = FakeRasa()
    app.state.console_rasa = RasaClient(
        "http://rasa.test", RASA_SECRET, transport=httpx.MockTransport(fake.handler)
    )
    return fake


def open_ticket(client: TestClient, conversation: str, channel: str) -> str:
    created = client.post(
        "/api/v1/handoff/tickets",
        headers=SERVICE,
        json={
            "conversation_id": conversation,
            "channel": channel,
            "sender_id": conversation,
            "reason": "asked_for_person",
            "summary": "last_intent=human_handoff; document=resident_copy; identity=confirmed",
        },
    )
    assert created.status_code == 201, created.text
    return str(created.json()["ticket_id"])


def audit_actions(runtime: Runtime, ticket_id: str) -> list[str]:
    with runtime.sessions() as s:
        return list(
            s.scalars(
                select(AuditLog.action).where(AuditLog.entity_id == ticket_id).order_by(AuditLog.id)
            ).all()
        )


def ticket_row(runtime: Runtime, ticket_id: str) -> HandoffTicket:
    with runtime.sessions() as s:
        row = s.scalars(select(HandoffTicket).where(HandoffTicket.ticket_id == ticket_id)).one()
        s.expunge(row)
        return row


def entry_count(runtime: Runtime) -> int:
    with runtime.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(HandoffEntry)) or 0)


def test_web_chat_ticket_taken_read_answered_and_handed_back(
    client: TestClient, runtime: Runtime, rasa: FakeRasa, clock: MutableClock
) -> None:
    conversation = "web:AbC123"
    rasa.events[conversation] = [
        {
            "event": "user",
            "text": "제 번호는 900101-1234567 이에요",
            "timestamp": 1.0,
            "input_channel": "webchat",
        },
        {"event": "bot", "text": "직원에게 연결해 드릴게요.", "timestamp": 2.0},
        {"event": "pause", "timestamp": 2.1},
    ]
    ticket_id = open_ticket(client, conversation, "webchat")
    clock.advance(minutes=3)
    csrf = console_login(client, "counter1")
    queue = client.get("/console/handoff/queue").json()["tickets"]
    assert [t["ticket_id"] for t in queue] == [ticket_id]
    assert queue[0]["channel_name"] == "웹 채팅"
    assert queue[0]["waited"] == "3분"
    assert "서류: 주민등록표 등본" in queue[0]["summary"]
    assert "본인 확인 완료" in queue[0]["summary"]
    assert "마지막 요청: 직원 연결 요청" in queue[0]["summary"]
    page = client.get("/console/handoff", headers={"Accept": "text/html"})
    assert ticket_id in page.text
    assert "직원 연결 요청" in page.text

    taken = client.post(f"/console/handoff/{ticket_id}/take", headers={"X-CSRF-Token": csrf})
    assert taken.status_code == 200, taken.text
    assert rasa.events[conversation][-1]["event"] == "pause"  # the bot stays quiet meanwhile

    transcript = client.get(f"/console/handoff/{ticket_id}/transcript").json()["lines"]
    assert [line["speaker"] for line in transcript] == ["resident", "bot"]
    assert "1234567" not in transcript[0]["text"]
    assert "******-*******" in transcript[0]["text"]
    ticket_page = client.get(f"/console/handoff/{ticket_id}", headers={"Accept": "text/html"})
    assert "900101" not in ticket_page.text
    assert "직원에게 연결해 드릴게요." in ticket_page.text

    sent = client.post(
        f"/console/handoff/{ticket_id}/reply",
        headers={"X-CSRF-Token": csrf},
        json={"text": "안녕하세요, 민원 담당입니다. 무엇을 도와드릴까요?"},
    )
    assert sent.status_code == 200, sent.text
    assert sent.json()["delivery"] == "now"
    push = rasa.posted(conversation)[-1]
    assert push.url.params["execute_side_effects"] == "true"
    assert push.url.params["output_channel"] == "webchat"
    pushed_event = rasa.events[conversation][-1]
    assert pushed_event["event"] == "bot"
    assert pushed_event["text"].startswith("[담당 직원] 안녕하세요")
    lines = client.get(f"/console/handoff/{ticket_id}/transcript").json()["lines"]
    assert lines[-1]["speaker"] == "staff"

    back = client.post(
        f"/console/handoff/{ticket_id}/handback", headers={"X-CSRF-Token": csrf}, json={}
    )
    assert back.status_code == 200, back.text
    assert rasa.events[conversation][-1]["event"] == "resume"
    assert ticket_row(runtime, ticket_id).status == "resolved"
    assert audit_actions(runtime, ticket_id) == [
        "handoff_opened",
        "handoff_taken",
        "handoff_transcript_viewed",
        "handoff_replied",
        "handoff_handed_back",
    ]
    # every token the backend sent was for this one conversation, short-lived, never admin
    for request in rasa.requests:
        claims = jwt.decode(
            request.headers["authorization"].removeprefix("Bearer "),
            RASA_SECRET,
            algorithms=["HS256"],
        )
        assert claims["user"] == {"username": conversation, "role": "user"}
        assert claims["exp"] - claims["iat"] <= 60


def test_kakao_reply_waits_in_the_mailbox_and_phone_becomes_a_call_back(
    client: TestClient, runtime: Runtime, rasa: FakeRasa
) -> None:
    kakao = open_ticket(client, "kakao:botuser77", "kakao")
    phone = open_ticket(client, "rest:caller-1", "rest")
    csrf = console_login(client, "counter1")
    headers = {"X-CSRF-Token": csrf}
    for ticket_id in (kakao, phone):
        assert client.post(f"/console/handoff/{ticket_id}/take", headers=headers).status_code == 200
    to_kakao = client.post(
        f"/console/handoff/{kakao}/reply", headers=headers, json={"text": "서류를 준비했어요."}
    )
    assert to_kakao.json()["delivery"] == "next_message"
    assert rasa.posted("kakao:botuser77")[-1].url.params["output_channel"] == "kakao"
    to_phone = client.post(
        f"/console/handoff/{phone}/reply", headers=headers, json={"text": "내일 오전에 전화드려요."}
    )
    assert to_phone.json()["delivery"] == "callback"
    # nothing to push to (only the pause when it was taken): a task for staff instead
    assert [e["event"] for e in rasa.events["rest:caller-1"]] == ["pause"]
    callbacks = client.get("/console/handoff/queue").json()["callbacks"]
    assert [(c["ticket_id"], c["text"]) for c in callbacks] == [(phone, "내일 오전에 전화드려요.")]
    done = client.post(
        f"/console/handoff/callbacks/{callbacks[0]['entry_id']}/done", headers=headers
    )
    assert done.status_code == 200
    assert client.get("/console/handoff/queue").json()["callbacks"] == []
    resolved = client.post(
        f"/console/handoff/{phone}/resolve", headers=headers, json={"note": "전화로 안내 완료"}
    )
    assert resolved.status_code == 200
    assert rasa.events["rest:caller-1"][-1]["event"] == "resume"
    assert audit_actions(runtime, phone)[-2:] == ["handoff_callback_done", "handoff_resolved"]


def test_two_staff_taking_at_once_one_gets_it(
    client: TestClient, runtime: Runtime, app: FastAPI
) -> None:
    ticket_id = open_ticket(client, "web:Race1", "webchat")
    with runtime.sessions() as s:
        from app.models import StaffAccount

        staff = list(
            s.scalars(
                select(StaffAccount).where(StaffAccount.username.in_(["counter1", "supervisor1"]))
            ).all()
        )
        for account in staff:
            s.expunge(account)
    barrier = threading.Barrier(len(staff))
    outcomes: list[str] = []

    def taker(account: Any) -> Callable[[], None]:
        def run() -> None:
            with runtime.sessions() as session:
                barrier.wait()
                try:
                    handoff.take_ticket(Store(session), account, ticket_id, runtime.clock())
                    outcomes.append("got it")
                except TicketStateConflict:
                    outcomes.append("told")

        return run

    threads = [threading.Thread(target=taker(a)) for a in staff]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes) == ["got it", "told"]
    assert audit_actions(runtime, ticket_id).count("handoff_taken") == 1
    # through the console, the second taker is told in words
    second = TestClient(app)
    csrf = console_login(second, "counter1")
    late = second.post(f"/console/handoff/{ticket_id}/take", headers={"X-CSRF-Token": csrf})
    assert late.status_code == 409
    assert "이미 다른 직원이 맡은 상담" in late.json()["detail"]


def test_unanswered_ticket_is_raised_to_the_supervisors_once(
    client: TestClient, runtime: Runtime, clock: MutableClock
) -> None:
    old = open_ticket(client, "telegram:4242", "telegram")
    clock.advance(minutes=4)
    new = open_ticket(client, "web:Fresh1", "webchat")
    console_login(client, "supervisor1")
    clock.advance(minutes=5)  # old: 9 minutes, not yet
    assert not any(t["escalated"] for t in client.get("/console/handoff/queue").json()["tickets"])
    clock.advance(minutes=2)  # old: 11 minutes
    tickets = client.get("/console/handoff/queue").json()["tickets"]
    assert [(t["ticket_id"], t["escalated"]) for t in tickets] == [(old, True), (new, False)]
    client.get("/console/handoff/queue")  # polled again: raised once, not twice
    assert audit_actions(runtime, old).count("handoff_escalated") == 1
    page = client.get("/console/handoff", headers={"Accept": "text/html"})
    assert "관리자 확인 필요" in page.text


def test_refusals_change_nothing(
    client: TestClient, runtime: Runtime, rasa: FakeRasa, app: FastAPI, clock: MutableClock
) -> None:
    ticket_id = open_ticket(client, "web:Guard1", "webchat")
    csrf = console_login(client, "counter1")
    # missing CSRF token: not taken
    assert client.post(f"/console/handoff/{ticket_id}/take").status_code == 403
    assert ticket_row(runtime, ticket_id).status == "waiting"
    # a counter clerk calling the supervisor's take-over: refused, nothing recorded
    clerk = client.post(f"/console/handoff/{ticket_id}/reassign", headers={"X-CSRF-Token": csrf})
    assert clerk.status_code == 403
    assert ticket_row(runtime, ticket_id).status == "waiting"
    assert audit_actions(runtime, ticket_id) == ["handoff_opened"]
    # a courier has no handoff queue at all
    courier = TestClient(app)
    console_login(courier, "courier-sindang")
    assert courier.get("/console/handoff/queue").status_code == 403
    # Rasa down: the reply is refused and not recorded
    client.post(f"/console/handoff/{ticket_id}/take", headers={"X-CSRF-Token": csrf})
    rasa.down = True
    before = entry_count(runtime)
    failed = client.post(
        f"/console/handoff/{ticket_id}/reply", headers={"X-CSRF-Token": csrf}, json={"text": "네"}
    )
    assert failed.status_code == 502
    assert entry_count(runtime) == before
    # an expired session: refused, the ticket stays with its assignee
    rasa.down = False
    clock.advance(hours=9)
    expired = client.post(
        f"/console/handoff/{ticket_id}/handback", headers={"X-CSRF-Token": csrf}, json={}
    )
    assert expired.status_code == 401
    assert ticket_row(runtime, ticket_id).status == "taken"
    # the supervisor may take over the ticket the clerk left
    boss = TestClient(app)
    boss_csrf = console_login(boss, "supervisor1")
    moved = boss.post(f"/console/handoff/{ticket_id}/reassign", headers={"X-CSRF-Token": boss_csrf})
    assert moved.status_code == 200
    assert audit_actions(runtime, ticket_id)[-1] == "handoff_reassigned"
