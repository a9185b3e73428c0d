"""Console: the bulk-issuance counter (counter staff and supervisors).

Today's reservations by business with what each has left of its quota; hand over (picked up) or
refuse with a reason. Forms post with the page's CSRF token; a refused step re-renders the page
with the reason and the refusal's status code, nothing changed.
"""

from __future__ import annotations

import functools
from typing import Annotated

import anyio
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from app.api.deps import get_district, get_now, get_store
from app.console.auth import ConsoleUser, CounterStaff, form_fields
from app.console.deliveries import with_form_origin
from app.console.templating import page
from app.district import DistrictFacts
from app.errors import DomainError
from app.repositories.store import Store
from app.services import console_bulk
from app.services.console_charts import Bar, bar_chart, quota_tone

router = APIRouter(prefix="/console/bulk", include_in_schema=False)

StoreDep = Annotated[Store, Depends(get_store)]
DistrictDep = Annotated[DistrictFacts, Depends(get_district)]

ERRORS_KO = {
    "reservation_not_found": "예약을 찾지 못했어요.",
    "invalid_status_change": "이미 처리된 예약이에요. 화면을 새로 고쳐 주세요.",
    "no_reason": "거절 사유를 적어 주세요.",
    "invalid_request": "입력한 내용을 다시 확인해 주세요.",
    "forbidden": "이 작업을 할 권한이 없어요.",
}
DONE_KO = {
    "picked_up": "수령 완료로 표시했어요.",
    "refused": "발급을 거절했어요. 수량은 한도로 돌아갔어요.",
}


def _page(
    request: Request,
    user: ConsoleUser,
    store: Store,
    district: DistrictFacts,
    *,
    message: str = "",
    error: str = "",
    status_code: int = 200,
) -> Response:
    now = get_now(request.app.state.runtime)
    day = console_bulk.counter_day(store, district, user.account, now=now)
    chart = bar_chart(
        [
            Bar(q.business.name, q.used, q.daily_limit, quota_tone(q.used, q.daily_limit))
            for q in day.businesses
        ],
        title="업체별 오늘 발급 수량과 한도",
        unit="건",
    )
    response = page(
        request,
        user,
        "bulk_counter.html",
        title="대량 발급 전담창구",
        day=day,
        chart=chart,
        mou_limit=district.bulk_mou_daily_limit,
        standard_limit=district.bulk_standard_daily_limit,
        message=message,
        error=error,
        status_code=status_code,
    )
    return with_form_origin(response)


@router.get("")
def counter(
    request: Request,
    user: CounterStaff,
    store: StoreDep,
    district: DistrictDep,
    done: str | None = None,
) -> Response:
    return _page(request, user, store, district, message=DONE_KO.get(done or "", ""))


def _answer(
    request: Request,
    user: ConsoleUser,
    store: Store,
    district: DistrictFacts,
    *,
    code: str,
    status: int,
) -> Response:
    text = ERRORS_KO.get(code, ERRORS_KO["invalid_request"])
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse({"code": code, "detail": text}, status_code=status)
    return _page(request, user, store, district, error=text, status_code=status)


def _done(request: Request, reservation_id: str, status: str) -> Response:
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse({"reservation_id": reservation_id, "status": status})
    return RedirectResponse(f"/console/bulk?done={status}", status_code=303)


@router.post("/{reservation_id}/pickup")
def pickup(
    reservation_id: str,
    request: Request,
    user: CounterStaff,
    store: StoreDep,
    district: DistrictDep,
) -> Response:
    now = get_now(request.app.state.runtime)
    try:
        done = console_bulk.mark_picked_up(
            store, user.account, reservation_id=reservation_id, now=now
        )
    except DomainError as e:
        return _answer(request, user, store, district, code=e.code, status=e.status)
    return _done(request, done.reservation_id, done.status)


@router.post("/{reservation_id}/refuse")
async def refuse(
    reservation_id: str,
    request: Request,
    user: CounterStaff,
    store: StoreDep,
    district: DistrictDep,
) -> Response:
    reason = (await form_fields(request)).get("reason", "").strip()
    if not reason:
        return _answer(request, user, store, district, code="no_reason", status=422)
    now = get_now(request.app.state.runtime)
    refusal = functools.partial(
        console_bulk.refuse,
        store,
        user.account,
        reservation_id=reservation_id,
        reason=reason,
        now=now,
    )
    try:
        done = await anyio.to_thread.run_sync(refusal)
    except DomainError as e:
        return _answer(request, user, store, district, code=e.code, status=e.status)
    return _done(request, done.reservation_id, done.status)
