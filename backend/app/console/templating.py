"""Rendering console pages: one Jinja2 environment, the base layout and the navigation.

Every page extends `base.html` (header with the staff member's name and role, navigation for
their role, logout) and is rendered with `page(request, user, "x.html", title=..., **context)`.
Templates are autoescaped; scripts and styles come from /console/static only (the CSP forbids
inline script), so page data goes into `data-` attributes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from app.clock import SEOUL
from app.console.auth import ConsoleUser

HERE = Path(__file__).resolve().parent
TEMPLATES_DIR = HERE / "templates"
STATIC_DIR = HERE / "static"

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))

ROLE_NAMES = {"counter": "민원 창구", "dong_courier": "동 배달", "supervisor": "관리자"}
CHANNEL_NAMES = {
    "webchat": "웹 채팅",
    "telegram": "텔레그램",
    "kakao": "카카오톡",
    "rest": "앱(REST)",
    "phone": "전화",
}


@dataclass(frozen=True, slots=True)
class NavItem:
    path: str
    label: str
    roles: frozenset[str]  # who sees the link (supervisors see every link)


# One entry per console screen, in menu order. H6's pages add theirs here.
NAV: list[NavItem] = [
    NavItem("/console/handoff", "상담 대기열", frozenset({"counter"})),
    NavItem("/console/deliveries", "배달 현황", frozenset({"dong_courier"})),
    NavItem("/console/bulk", "대량 발급 창구", frozenset({"counter"})),
    NavItem("/console/supervisor", "오늘의 현황", frozenset({"supervisor"})),
]


def nav_for(role: str) -> list[NavItem]:
    return [item for item in NAV if role == "supervisor" or role in item.roles]


def seoul_time(value: datetime | None, fmt: str = "%H:%M") -> str:
    return value.astimezone(SEOUL).strftime(fmt) if value else ""


def waited_words(seconds: float) -> str:
    """`3분`, `1시간 5분`: how long someone has waited, for staff."""
    minutes = max(0, int(seconds // 60))
    if minutes < 1:
        return "1분 미만"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}시간 {minutes}분" if hours else f"{minutes}분"


templates.env.filters["seoul_time"] = seoul_time
templates.env.filters["waited"] = waited_words
templates.env.globals["ROLE_NAMES"] = ROLE_NAMES
templates.env.globals["CHANNEL_NAMES"] = CHANNEL_NAMES


def page(
    request: Request,
    user: ConsoleUser | None,
    name: str,
    *,
    title: str,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """Render a console page (extends base.html) for `user` (None on the login page)."""
    return templates.TemplateResponse(
        request,
        name,
        {
            "title": title,
            "user": user,
            "csrf_token": user.csrf_token if user else context.pop("csrf_token", ""),
            "nav": nav_for(user.role) if user else [],
            "current_path": request.url.path,
            **context,
        },
        status_code=status_code,
    )
