"""Console: the delivery board (couriers and supervisors).

Plain HTML forms (they work without script; the CSRF token is a hidden field). A step that is
refused re-renders the board with the reason in Korean and the refusal's status code, nothing
changed. A JSON caller (Accept: application/json) gets the same answers as the staff API.
"""

from __future__ import annotations

import functools
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from app.api.deps import get_district, get_now, get_store
from app.console.auth import ConsoleUser, CourierStaff, form_fields
from app.console.rasa import RasaDep
from app.console.templating import page
from app.district import DistrictFacts
from app.errors import DomainError
from app.repositories.store import Store
from app.services import console_deliveries
from app.services.console_deliveries import DeliveryBoard

router = APIRouter(prefix="/console/deliveries", include_in_schema=False)

StoreDep = Annotated[Store, Depends(get_store)]
DistrictDep = Annotated[DistrictFacts, Depends(get_district)]

ERRORS_KO = {
    "wrong_dong": "다른 동의 배달이에요. 담당 동의 배달만 볼 수 있고 처리할 수 있어요.",
    "invalid_status_change": "이미 다른 단계로 바뀐 배달이에요. 화면을 새로 고쳐 주세요.",
    "order_not_found": "배달 주문을 찾지 못했어요.",
    "no_id_check": "신분증을 확인한 뒤에 배달 완료로 표시할 수 있어요.",
    "no_reason": "배달하지 못한 사유를 적어 주세요.",
    "no_note": "돌봄 서비스에 전할 내용을 적어 주세요.",
    "invalid_request": "입력한 내용을 다시 확인해 주세요.",
    "forbidden": "이 작업을 할 권한이 없어요.",
}
DONE_KO = {
    "issued": "발급 완료로 표시했어요.",
    "out_for_delivery": "배달 출발로 표시했어요.",
    "delivered": "배달 완료로 표시했어요.",
    "failed": "배달 못 함으로 표시했어요.",
    "welfare": "돌봄 서비스 목록에 올렸어요.",
}
REASONS_KO = {
    "age_70_or_over": "70세 이상",
    "registered_disability": "장애인",
    "pregnant": "임산부",
}
TOLD_KO = {True: " 주민에게 알렸어요.", False: " 주민에게는 알리지 못했어요(채널 연결 없음)."}


def with_form_origin(response: Response) -> Response:
    """Let this page's forms post with their real Origin (also the console's default now).

    Under `Referrer-Policy: no-referrer` Chromium sends `Origin: null` with a form POST, which
    the CSRF check's same-origin test refuses. `same-origin` still sends no referrer to any other
    site.
    """
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def _board_page(
    request: Request,
    user: ConsoleUser,
    board: DeliveryBoard | None,
    *,
    selected: str | None,
    message: str = "",
    error: str = "",
    status_code: int = 200,
) -> Response:
    response = page(
        request,
        user,
        "deliveries_board.html",
        title="배달 현황",
        board=board,
        reasons_ko=REASONS_KO,
        selected=selected or "",
        message=message,
        error=error,
        status_code=status_code,
    )
    return with_form_origin(response)


@router.get("")
def board(
    request: Request,
    user: CourierStaff,
    store: StoreDep,
    district: DistrictDep,
    dong: str | None = None,
    done: str | None = None,
    told: int | None = None,
) -> Response:
    now = get_now(request.app.state.runtime)
    try:
        found = console_deliveries.delivery_board(
            store, district, user.account, now=now, dong=dong or None
        )
    except DomainError as e:
        return _board_page(
            request,
            user,
            None,
            selected=dong,
            error=ERRORS_KO.get(e.code, ERRORS_KO["invalid_request"]),
            status_code=e.status,
        )
    message = DONE_KO.get(done or "", "")
    if message and told is not None:
        message += TOLD_KO[bool(told)]
    return _board_page(request, user, found, selected=dong, message=message)


def _refused(
    request: Request,
    user: ConsoleUser,
    store: Store,
    district: DistrictFacts,
    code: str,
    status: int,
) -> Response:
    if _wants_json(request):
        return JSONResponse(
            {"code": code, "detail": ERRORS_KO.get(code, ERRORS_KO["invalid_request"])},
            status_code=status,
        )
    now = get_now(request.app.state.runtime)
    current = console_deliveries.delivery_board(store, district, user.account, now=now)
    return _board_page(
        request,
        user,
        current,
        selected=None,
        error=ERRORS_KO.get(code, ERRORS_KO["invalid_request"]),
        status_code=status,
    )


def _checked(fields: dict[str, str], name: str) -> bool:
    return fields.get(name, "").lower() in ("on", "true", "1", "yes")


@router.post("/{order_id}/status")
async def move(
    order_id: str,
    request: Request,
    user: CourierStaff,
    store: StoreDep,
    district: DistrictDep,
    rasa: RasaDep,
) -> Response:
    fields = await form_fields(request)
    status = fields.get("status", "")
    id_checked = _checked(fields, "id_checked")
    reason = fields.get("failure_reason", "").strip()
    if status == "delivered" and not id_checked:
        return _refused(request, user, store, district, "no_id_check", 422)
    if status == "failed" and not reason:
        return _refused(request, user, store, district, "no_reason", 422)
    now = get_now(request.app.state.runtime)
    step = functools.partial(
        console_deliveries.move_delivery,
        store,
        district,
        user.account,
        rasa.notify if rasa is not None else None,
        order_number=order_id,
        status=status,
        now=now,
        id_checked=id_checked if status in ("delivered", "failed") else None,
        welfare_note=fields.get("welfare_note") or None,
        welfare_alert=_checked(fields, "welfare_alert"),
        failure_reason=reason or None,
    )
    try:
        # The database and the push to Rasa block: off the event loop.
        order, told = await anyio.to_thread.run_sync(step)
    except DomainError as e:
        return _refused(request, user, store, district, e.code, e.status)
    if _wants_json(request):
        return JSONResponse(
            {"order_id": order.order_number, "status": order.status, "resident_told": told}
        )
    return RedirectResponse(
        f"/console/deliveries?done={order.status}&told={int(told)}", status_code=303
    )


@router.post("/{order_id}/welfare-alert")
async def welfare_alert(
    order_id: str,
    request: Request,
    user: CourierStaff,
    store: StoreDep,
    district: DistrictDep,
) -> Response:
    fields = await form_fields(request)
    note = fields.get("note", "").strip()
    if not note:
        return _refused(request, user, store, district, "no_note", 422)
    now = get_now(request.app.state.runtime)
    alert = functools.partial(
        console_deliveries.raise_welfare_alert,
        store,
        user.account,
        order_number=order_id,
        note=note,
        now=now,
    )
    try:
        order = await anyio.to_thread.run_sync(alert)
    except DomainError as e:
        return _refused(request, user, store, district, e.code, e.status)
    if _wants_json(request):
        body: dict[str, Any] = {"order_id": order.order_number, "welfare_alert": True}
        return JSONResponse(body)
    return RedirectResponse("/console/deliveries?done=welfare", status_code=303)
