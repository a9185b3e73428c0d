"""Console: today's figures for supervisors, with charts drawn on the server (inline SVG).

Only supervisors: any other role gets 403 and nothing is read for them.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from app.api.deps import get_district, get_now, get_store
from app.console.auth import SupervisorStaff
from app.console.deliveries import with_form_origin
from app.console.templating import page
from app.district import DistrictFacts
from app.repositories.store import Store
from app.services import console_supervisor, delivery
from app.services.console_charts import Bar, bar_chart, quota_tone
from app.services.console_supervisor import METHOD_LABELS_KO, SupervisorDay

router = APIRouter(prefix="/console/supervisor", include_in_schema=False)

StoreDep = Annotated[Store, Depends(get_store)]
DistrictDep = Annotated[DistrictFacts, Depends(get_district)]


def charts(figures: SupervisorDay) -> dict[str, object]:
    d = figures.deliveries
    return {
        "methods": bar_chart(
            [Bar(METHOD_LABELS_KO[m], n) for m, n in figures.orders_by_method.items()],
            title="받는 방법별 오늘 신청",
            unit="건",
        ),
        "deliveries": bar_chart(
            [
                Bar("기한 안 완료", d.delivered_on_time, tone="good"),
                Bar("기한 넘겨 완료", d.delivered_late, tone="warn"),
                Bar("배달 못 함", d.failed, tone="bad"),
                Bar("진행 중", d.open_in_time),
                Bar("진행 중·지연", d.open_overdue, tone="bad"),
            ],
            title="오늘 배달",
            unit="건",
        ),
        "bulk": bar_chart(
            [
                Bar(b.name, b.used, b.daily_limit, quota_tone(b.used, b.daily_limit))
                for b in figures.bulk
            ],
            title="업체별 대량 발급과 하루 한도",
            unit="건",
        ),
    }


@router.get("")
def today(
    request: Request, user: SupervisorStaff, store: StoreDep, district: DistrictDep
) -> Response:
    now = get_now(request.app.state.runtime)
    figures = console_supervisor.supervisor_day(store, district, user.account, now=now)
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse(console_supervisor.as_dict(figures))
    response = page(
        request,
        user,
        "supervisor_today.html",
        title="오늘의 현황",
        f=figures,
        charts=charts(figures),
        care=delivery.care_cases(store)[:20],
        mou_limit=district.bulk_mou_daily_limit,
        standard_limit=district.bulk_standard_daily_limit,
    )
    return with_form_origin(response)  # its logout form
