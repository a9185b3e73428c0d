"""The staff console the backend serves under /console (docs/console.md).

`install_console(app)` mounts the pages, the static files and the console's error handling.
Console pages use cookie sessions (app.console.auth) and talk to Rasa only through the backend
(app.adapters.rasa_client); no token reaches a browser.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import quote

from fastapi import FastAPI, Request, Response
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from app.api.problems import problem
from app.console import bulk, deliveries, handoff, login, supervisor
from app.console.auth import ConsoleForbidden, ConsoleLoginRequired, CsrfRefused
from app.console.rasa import attach_rasa_client
from app.console.templating import STATIC_DIR, page

# The console's pages load nothing from elsewhere and run no inline script.
CONSOLE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # Not no-referrer: under it Chromium posts forms with `Origin: null`, which the CSRF check's
    # same-origin test refuses (the logout button included). same-origin still tells no other
    # site where a staff member came from.
    "Referrer-Policy": "same-origin",
}

# Routers of console screens, mounted in this order (H6's screens add theirs here).
ROUTERS = [login.router, handoff.router, deliveries.router, bulk.router, supervisor.router]


def _wants_html(request: Request) -> bool:
    return request.method == "GET" and "text/html" in request.headers.get("accept", "")


async def _login_required(request: Request, exc: Exception) -> Response:
    if _wants_html(request):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/console/login?next={quote(target)}", status_code=303)
    return problem(401, "unauthorized", "Unauthorized", "로그인이 필요해요. 다시 로그인해 주세요.")


async def _forbidden(request: Request, exc: Exception) -> Response:
    if _wants_html(request):
        return page(request, None, "forbidden.html", title="권한 없음", status_code=403)
    return problem(403, "forbidden", "Forbidden", "이 화면을 쓸 권한이 없어요.")


async def _csrf(request: Request, exc: Exception) -> Response:
    return problem(
        403, "csrf_failed", "Forbidden", "화면이 오래되었어요. 새로 고침한 뒤 다시 해 주세요."
    )


def install_console(app: FastAPI) -> None:
    """Mount the console on `app`: routers, /console/static, error pages, security headers."""
    attach_rasa_client(app, app.state.runtime.settings)
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/console/static", StaticFiles(directory=str(STATIC_DIR)), name="console-static")
    app.add_exception_handler(ConsoleLoginRequired, _login_required)
    app.add_exception_handler(ConsoleForbidden, _forbidden)
    app.add_exception_handler(CsrfRefused, _csrf)

    @app.middleware("http")
    async def _console_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        if request.url.path.startswith("/console"):
            for name, value in CONSOLE_HEADERS.items():
                response.headers.setdefault(name, value)
            if not request.url.path.startswith("/console/static"):
                response.headers["Cache-Control"] = "no-store"
        return response
