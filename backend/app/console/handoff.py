"""The handoff queue: conversations waiting for a person, taken, answered, handed back.

Counter staff and supervisors use it (`console_staff("counter")`). The queue and an open ticket
update live over server-sent events: the queue from the database every second, an open ticket's
transcript from Rasa's tracker (through the backend's Rasa client, RRNs masked) every 1.5 s.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any, TypeVar

import anyio
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from sse_starlette.sse import EventSourceResponse

from app.adapters.rasa_client import RasaClient, RasaUnavailable, TranscriptLine
from app.api.deps import get_now, get_runtime, get_store
from app.clock import SEOUL
from app.console.auth import ConsoleUser, console_staff, form_fields, session_times
from app.console.rasa import RasaDep
from app.console.sessions import COOKIE_NAME, session_account
from app.console.templating import CHANNEL_NAMES, page, waited_words
from app.district import DistrictFacts
from app.errors import (
    DomainError,
    InvalidRequest,
    StaffForbidden,
    TicketNotFound,
    TicketStateConflict,
)
from app.models import HandoffTicket
from app.repositories.store import Store
from app.runtime import Runtime
from app.services import handoff
from app.services.masking import mask_rrn

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/console/handoff", include_in_schema=False)

HandoffStaff = Annotated[ConsoleUser, Depends(console_staff("counter"))]
SupervisorOnly = Annotated[ConsoleUser, Depends(console_staff("supervisor"))]
RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
StoreDep = Annotated[Store, Depends(get_store)]

QUEUE_POLL_S = 1.0
TRANSCRIPT_POLL_S = 1.5

REASON_NAMES = {
    "asked_for_person": "직원 연결 요청",
    "not_understood": "챗봇이 이해하지 못함",
    "input_trouble": "입력에 어려움",
    "other": "기타",
}
DELIVERY_NAMES = {
    "now": "바로 전달돼요",
    "next_message": "주민이 다음 메시지를 보낼 때 전달돼요 (카카오톡)",
    "callback": "채팅으로 보낼 수 없어요: 전화 회신 할 일로 남아요",
}
STATUS_NAMES = {"waiting": "대기 중", "taken": "상담 중", "resolved": "종료"}
_SUMMARY_KEYS = {
    "last_intent": "마지막 요청",
    "document": "서류",
    "copies": "부수",
    "method": "받는 방법",
    "lookup_purpose": "조회",
}
_INTENT_NAMES = {
    "human_handoff": "직원 연결 요청",
    "request_certificate": "증명서 발급",
    "request_delivery": "집으로 배달",
    "request_bulk_issuance": "대량 발급",
    "check_status": "신청 조회",
    "cancel_request": "신청 취소",
    "ask_kiosk": "무인발급기 문의",
    "ask_fee": "수수료 문의",
    "ask_hours": "운영 시간 문의",
    "ask_online": "온라인 발급 문의",
    "ask_delivery_eligibility": "배달 대상 문의",
    "ask_requirements": "준비물 문의",
    "otp_not_received": "인증번호를 못 받음",
    "nlu_fallback": "챗봇이 이해하지 못함",
    "out_of_scope": "챗봇 업무 밖의 질문",
    "inform": "정보 입력",
    "stop": "그만두기",
}
_METHOD_NAMES = {"delivery": "배달", "counter": "창구", "kiosk": "무인발급기", "online": "온라인"}
# What staff are told when an action cannot be done (never an English exception text).
_TAKEN_ELSEWHERE = "이미 다른 직원이 맡은 상담이에요. 대기열이 새로 고쳐졌어요."

T = TypeVar("T")


def summary_words(summary: str, district: DistrictFacts) -> str:
    """The bot's summary (`last_intent=…; document=…`) in Korean words for staff."""
    words = []
    for part in summary.split(";"):
        key, sep, value = part.strip().partition("=")
        if not sep:
            if part.strip():
                words.append(part.strip())
            continue
        if key == "identity":
            words.append("본인 확인 완료" if value == "confirmed" else f"본인 확인: {value}")
            continue
        if key == "last_intent":
            value = _INTENT_NAMES.get(value, value)
        elif key == "document":
            value = district.document_names_ko.get(value, value)
        elif key == "method":
            value = _METHOD_NAMES.get(value, value)
        words.append(f"{_SUMMARY_KEYS.get(key, key)}: {value}")
    return " · ".join(words) or "요약 없음"


def _iso(ticket_time: Any) -> str | None:
    return ticket_time.astimezone(SEOUL).isoformat() if ticket_time else None


def item_view(item: handoff.QueueItem, district: DistrictFacts) -> dict[str, Any]:
    t = item.ticket
    return {
        "ticket_id": t.ticket_id,
        "channel": t.channel,
        "channel_name": CHANNEL_NAMES.get(t.channel, t.channel),
        "reason": t.reason,
        "reason_name": REASON_NAMES.get(t.reason, t.reason),
        "summary": summary_words(t.summary, district),
        "status": t.status,
        "status_name": STATUS_NAMES.get(t.status, t.status),
        "assignee": item.assignee_name,
        "assignee_id": t.assignee_id,
        "created_at": _iso(t.created_at),
        "waited": waited_words(item.waited_s),
        "waited_s": int(item.waited_s),
        "escalated": item.escalated,
        "delivery": item.delivery,
    }


def queue_snapshot(runtime: Runtime) -> list[dict[str, Any]]:
    """The queue as the page shows it (its own short database session)."""
    with runtime.sessions() as session:
        store = Store(session)
        items = handoff.queue(store, runtime.clock(), runtime.settings.handoff_escalate_after_s)
        return [item_view(i, runtime.district) for i in items]


def callbacks_snapshot(runtime: Runtime) -> list[dict[str, Any]]:
    with runtime.sessions() as session:
        return [
            {
                "entry_id": e.id,
                "ticket_id": t.ticket_id,
                "text": e.text or "",
                "created_at": _iso(e.created_at),
            }
            for e, t in handoff.open_callbacks(Store(session))
        ]


def line_view(line: TranscriptLine) -> dict[str, Any]:
    return {"speaker": line.speaker, "text": mask_rrn(line.text), "at": line.at}


def _may_read(ticket: HandoffTicket, user: ConsoleUser) -> bool:
    """A waiting ticket is open to every counter clerk (to decide whether to take it); once
    taken, to its assignee and the supervisors."""
    if user.role == "supervisor" or ticket.status == "waiting":
        return True
    return ticket.assignee_id == user.account.id


def _fail(status: int, code: str, detail: str) -> JSONResponse:
    return JSONResponse({"code": code, "detail": detail}, status_code=status)


def _refusal(e: DomainError) -> JSONResponse:
    if isinstance(e, TicketNotFound):
        return _fail(404, e.code, "상담을 찾지 못했어요. 대기열을 새로 고쳐 주세요.")
    if isinstance(e, TicketStateConflict):
        return _fail(
            409,
            e.code,
            _TAKEN_ELSEWHERE
            if "assigned" in str(e) or "taken" in str(e)
            else "이미 끝났거나 아직 맡지 않은 상담이에요.",
        )
    if isinstance(e, InvalidRequest):
        return _fail(422, e.code, "내용을 입력해 주세요 (최대 1,000자).")
    if isinstance(e, handoff.RasaUnreachable):
        return _fail(502, e.code, "챗봇 서버에 전하지 못했어요. 잠시 뒤 다시 해 주세요.")
    if isinstance(e, StaffForbidden):
        return _fail(403, e.code, "이 동작을 할 권한이 없어요.")
    return _fail(e.status, e.code, "요청을 처리하지 못했어요.")


async def _run(fn: Callable[[], T]) -> T:
    return await anyio.to_thread.run_sync(fn)


async def _answer(
    action: Callable[[], T], body: Callable[[T], dict[str, Any]] = lambda _: {}
) -> Response:
    """Run a staff action off the loop: its outcome as JSON, or a DomainError as a refusal."""
    try:
        outcome = await _run(action)
    except DomainError as e:
        return _refusal(e)
    return JSONResponse({"ok": True, **body(outcome)})


def _ticket_or_none(store: Store, ticket_id: str) -> HandoffTicket | None:
    return store.handoff.by_ticket_id(ticket_id[:32])


# ---------------------------------------------------------------- the queue


@router.get("")
def queue_page(request: Request, user: HandoffStaff, runtime: RuntimeDep) -> Response:
    return page(
        request,
        user,
        "handoff_queue.html",
        title="상담 대기열",
        tickets=queue_snapshot(runtime),
        callbacks=callbacks_snapshot(runtime),
        escalate_after=waited_words(runtime.settings.handoff_escalate_after_s),
    )


@router.get("/queue")
def queue_json(user: HandoffStaff, runtime: RuntimeDep) -> dict[str, Any]:
    return {"tickets": queue_snapshot(runtime), "callbacks": callbacks_snapshot(runtime)}


def _still_logged_in(runtime: Runtime, token: str | None) -> bool:
    with runtime.sessions() as session:
        found = session_account(
            Store(session),
            runtime.settings.secret_key.get_secret_value(),
            token,
            session_times(runtime),
            runtime.clock(),
            touch=False,
        )
        return found is not None


@router.get("/events")
async def queue_events(request: Request, user: HandoffStaff, runtime: RuntimeDep) -> Response:
    """Server-sent `queue` events whenever the queue or a call-back task changes."""
    token = request.cookies.get(COOKIE_NAME)

    async def events() -> AsyncIterator[dict[str, str]]:
        last = ""
        while True:
            if not await _run(lambda: _still_logged_in(runtime, token)):
                yield {"event": "logout", "data": "{}"}
                return
            body = await _run(
                lambda: {
                    "tickets": queue_snapshot(runtime),
                    "callbacks": callbacks_snapshot(runtime),
                }
            )
            data = json.dumps(body, ensure_ascii=False)
            if data != last:
                last = data
                yield {"event": "queue", "data": data}
            await anyio.sleep(QUEUE_POLL_S)

    return EventSourceResponse(events(), ping=15)


@router.post("/callbacks/{entry_id}/done")
async def callback_done(
    entry_id: int, user: HandoffStaff, store: StoreDep, runtime: RuntimeDep
) -> Response:
    now = get_now(runtime)
    return await _answer(lambda: handoff.complete_callback(store, user.account, entry_id, now))


# ---------------------------------------------------------------- one ticket


@router.post("/{ticket_id}/take")
async def take(
    ticket_id: str, user: HandoffStaff, store: StoreDep, runtime: RuntimeDep, rasa: RasaDep
) -> Response:
    now = get_now(runtime)
    return await _answer(
        lambda: handoff.take_ticket(store, user.account, ticket_id[:32], now, rasa),
        lambda ticket: {"ticket_id": ticket.ticket_id, "status": ticket.status},
    )


def _transcript(rasa: RasaClient | None, ticket: HandoffTicket) -> list[dict[str, Any]] | None:
    """The masked transcript, or None when Rasa cannot be reached."""
    if rasa is None:
        return None
    try:
        return [line_view(line) for line in rasa.transcript(ticket.conversation_id)]
    except RasaUnavailable:
        return None


@router.get("/{ticket_id}")
async def ticket_page(
    request: Request,
    ticket_id: str,
    user: HandoffStaff,
    store: StoreDep,
    runtime: RuntimeDep,
    rasa: RasaDep,
) -> Response:
    ticket = await _run(lambda: _ticket_or_none(store, ticket_id))
    if ticket is None:
        return page(request, user, "handoff_missing.html", title="상담 없음", status_code=404)
    if not _may_read(ticket, user):
        return page(request, user, "forbidden.html", title="권한 없음", status_code=403)
    lines = await _run(lambda: _transcript(rasa, ticket))
    now = get_now(runtime)

    def _audit_view() -> list[Any]:
        with store.transaction():
            store.audit.record(
                actor=user.actor,
                action="handoff_transcript_viewed",
                entity_type="handoff_ticket",
                entity_id=ticket.ticket_id,
                at=now,
            )
        return list(store.handoff.entries(ticket.id))

    entries = await _run(_audit_view)
    delivery = handoff.delivery_for_conversation(ticket.conversation_id)
    return page(
        request,
        user,
        "handoff_ticket.html",
        title=f"상담 {ticket.ticket_id}",
        ticket=ticket,
        channel_name=CHANNEL_NAMES.get(ticket.channel, ticket.channel),
        reason_name=REASON_NAMES.get(ticket.reason, ticket.reason),
        status_name=STATUS_NAMES.get(ticket.status, ticket.status),
        summary=summary_words(ticket.summary, runtime.district),
        lines=lines,
        entries=entries,
        delivery=delivery,
        delivery_name=DELIVERY_NAMES[delivery],
        is_mine=ticket.assignee_id == user.account.id,
        waited=waited_words((now - ticket.created_at).total_seconds()),
    )


@router.get("/{ticket_id}/transcript")
async def transcript_json(
    ticket_id: str, user: HandoffStaff, store: StoreDep, rasa: RasaDep
) -> Response:
    ticket = await _run(lambda: _ticket_or_none(store, ticket_id))
    if ticket is None:
        return _fail(404, "ticket_not_found", "상담을 찾지 못했어요.")
    if not _may_read(ticket, user):
        return _fail(403, "forbidden", "이 상담을 볼 권한이 없어요.")
    lines = await _run(lambda: _transcript(rasa, ticket))
    if lines is None:
        return _fail(502, "rasa_unavailable", "챗봇 서버에서 대화를 가져오지 못했어요.")
    return JSONResponse({"ticket_id": ticket.ticket_id, "status": ticket.status, "lines": lines})


def _ticket_state(runtime: Runtime, ticket_id: str) -> dict[str, Any] | None:
    with runtime.sessions() as session:
        ticket = Store(session).handoff.by_ticket_id(ticket_id)
        if ticket is None:
            return None
        return {
            "status": ticket.status,
            "status_name": STATUS_NAMES.get(ticket.status, ticket.status),
            "assignee_id": ticket.assignee_id,
        }


@router.get("/{ticket_id}/events")
async def ticket_events(
    request: Request,
    ticket_id: str,
    user: HandoffStaff,
    store: StoreDep,
    runtime: RuntimeDep,
    rasa: RasaDep,
) -> Response:
    """Server-sent `line` events for each new message of the conversation (resident, bot or
    staff) and `status` events when the ticket changes hands or closes."""
    ticket = await _run(lambda: _ticket_or_none(store, ticket_id))
    if ticket is None:
        return _fail(404, "ticket_not_found", "상담을 찾지 못했어요.")
    if not _may_read(ticket, user):
        return _fail(403, "forbidden", "이 상담을 볼 권한이 없어요.")
    token = request.cookies.get(COOKIE_NAME)
    conversation_id = ticket.conversation_id
    try:
        sent = int(request.query_params.get("after", "0"))
    except ValueError:
        sent = 0

    async def events() -> AsyncIterator[dict[str, str]]:
        nonlocal sent
        last_state: dict[str, Any] | None = None
        while True:
            if not await _run(lambda: _still_logged_in(runtime, token)):
                yield {"event": "logout", "data": "{}"}
                return
            state = await _run(lambda: _ticket_state(runtime, ticket_id))
            if state != last_state:
                last_state = state
                yield {"event": "status", "data": json.dumps(state, ensure_ascii=False)}
            if rasa is not None:
                try:
                    lines = await _run(functools.partial(rasa.transcript, conversation_id))
                except RasaUnavailable:
                    lines = None
                if lines is not None and len(lines) > sent:
                    for line in lines[sent:]:
                        yield {
                            "event": "line",
                            "data": json.dumps(line_view(line), ensure_ascii=False),
                        }
                    sent = len(lines)
            await anyio.sleep(TRANSCRIPT_POLL_S)

    return EventSourceResponse(events(), ping=15)


@router.post("/{ticket_id}/reply")
async def reply(
    request: Request,
    ticket_id: str,
    user: HandoffStaff,
    store: StoreDep,
    runtime: RuntimeDep,
    rasa: RasaDep,
) -> Response:
    text = (await form_fields(request)).get("text", "")
    now = get_now(runtime)
    return await _answer(
        lambda: handoff.reply(store, rasa, user.account, ticket_id[:32], text, now),
        lambda entry: {
            "delivery": entry.delivery,
            "delivery_name": DELIVERY_NAMES[entry.delivery or "callback"],
        },
    )


@router.post("/{ticket_id}/handback")
async def hand_back(
    request: Request,
    ticket_id: str,
    user: HandoffStaff,
    store: StoreDep,
    runtime: RuntimeDep,
    rasa: RasaDep,
) -> Response:
    note = (await form_fields(request)).get("note", "")
    now = get_now(runtime)
    return await _answer(
        lambda: handoff.hand_back(store, rasa, user.account, ticket_id[:32], now, note=note),
        lambda _: {"status": "resolved"},
    )


@router.post("/{ticket_id}/resolve")
async def resolve(
    request: Request,
    ticket_id: str,
    user: HandoffStaff,
    store: StoreDep,
    runtime: RuntimeDep,
    rasa: RasaDep,
) -> Response:
    note = (await form_fields(request)).get("note", "")
    if not note.strip():
        return _fail(422, "invalid_request", "해결 내용을 적어 주세요.")
    now = get_now(runtime)
    return await _answer(
        lambda: handoff.resolve_ticket(
            store, user.account, ticket_id[:32], now, note=note, gateway=rasa
        ),
        lambda _: {"status": "resolved"},
    )


@router.post("/{ticket_id}/reassign")
async def reassign(
    ticket_id: str, user: SupervisorOnly, store: StoreDep, runtime: RuntimeDep
) -> Response:
    """A supervisor takes over a ticket (an escalated one, or one a colleague left)."""
    now = get_now(runtime)
    return await _answer(
        lambda: handoff.reassign(store, user.account, ticket_id[:32], now),
        lambda _: {"status": "taken"},
    )
