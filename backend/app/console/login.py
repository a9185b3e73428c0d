"""Console login and logout (cookie sessions; the bearer-token API login is routes/staff.py).

The login form carries its own CSRF nonce (a cookie and a hidden field that must match): a page
elsewhere cannot log a browser in to an account of its choosing. Failed logins are throttled by
the same per-account and per-address limits as the API login (services.staff.authenticate).
"""

from __future__ import annotations

import functools
from typing import Annotated

import anyio
from anyio.lowlevel import RunVar
from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from app.api.deps import get_now, get_runtime, get_store
from app.console.auth import AnyStaff, form_fields, secure_cookies, session_times
from app.console.sessions import (
    COOKIE_NAME,
    COOKIE_PATH,
    LOGIN_COOKIE_NAME,
    close_session,
    open_session,
)
from app.console.templating import nav_for, page
from app.errors import LoginRateLimited, Unauthorized
from app.keyed_hash import hashes_match, new_token
from app.repositories.store import Store
from app.runtime import Runtime
from app.services.staff import LoginLimits, authenticate, staff_actor

router = APIRouter(prefix="/console", include_in_schema=False)

RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
StoreDep = Annotated[Store, Depends(get_store)]
LOGIN_NONCE_TTL_S = 3600
_LOGIN_THREADS: RunVar[anyio.CapacityLimiter] = RunVar("minwon_console_login_threads")


def _login_threads() -> anyio.CapacityLimiter:
    """The event loop's own small pool for console logins (scrypt), apart from page requests."""
    try:
        return _LOGIN_THREADS.get()
    except LookupError:
        limiter = anyio.CapacityLimiter(8)
        _LOGIN_THREADS.set(limiter)
        return limiter


def safe_next(target: str | None) -> str:
    """Only a console path of this site (no `//host`, no scheme): never an open redirect."""
    if (
        target
        and target.startswith("/console")
        and not target.startswith("//")
        and "\\" not in target
        and "://" not in target
    ):
        return target
    return "/console"


def _login_page(
    request: Request, runtime: Runtime, *, error: str = "", status_code: int = 200, next_: str = ""
) -> Response:
    nonce = new_token()
    response = page(
        request,
        None,
        "login.html",
        title="직원 로그인",
        csrf_token=nonce,
        error=error,
        next=safe_next(next_),
        status_code=status_code,
    )
    response.set_cookie(
        LOGIN_COOKIE_NAME,
        nonce,
        max_age=LOGIN_NONCE_TTL_S,
        path=COOKIE_PATH,
        secure=secure_cookies(runtime, request),
        httponly=True,
        samesite="strict",
    )
    return response


@router.get("/login")
def login_form(request: Request, runtime: RuntimeDep, next: str = "") -> Response:
    return _login_page(request, runtime, next_=next)


@router.post("/login")
async def login_submit(request: Request, runtime: RuntimeDep, store: StoreDep) -> Response:
    fields = await form_fields(request)
    next_ = fields.get("next", "")
    nonce = request.cookies.get(LOGIN_COOKIE_NAME) or ""
    if not nonce or not hashes_match(nonce, fields.get("csrf_token", "")):
        return _login_page(
            request,
            runtime,
            error="로그인 화면이 오래되었어요. 다시 입력해 주세요.",
            status_code=403,
            next_=next_,
        )
    settings = runtime.settings
    secret = settings.secret_key.get_secret_value()
    now = get_now(runtime)
    try:
        account = await anyio.to_thread.run_sync(
            functools.partial(
                authenticate,
                store,
                secret,
                username=fields.get("username", "")[:60],
                password=fields.get("password", "")[:200],
                now=now,
                client_address=request.client.host if request.client else "unknown",
                limits=LoginLimits(
                    settings.staff_login_account_limit_count,
                    settings.staff_login_client_limit_count,
                    settings.staff_login_window_s,
                    settings.staff_login_hash_concurrency,
                ),
            ),
            limiter=_login_threads(),
        )
    except LoginRateLimited as e:
        minutes = max(1, int(e.extras().get("retry_after_s", 60)) // 60)
        response = _login_page(
            request,
            runtime,
            error=f"로그인 시도가 너무 많았어요. {minutes}분 뒤에 다시 해 주세요.",
            status_code=429,
            next_=next_,
        )
        response.headers["Retry-After"] = str(minutes * 60)
        return response
    except Unauthorized:
        return _login_page(
            request,
            runtime,
            error="아이디나 비밀번호가 맞지 않아요. 다시 확인해 주세요.",
            status_code=401,
            next_=next_,
        )

    def _open() -> str:
        with store.transaction():
            opened = open_session(store, secret, account, session_times(runtime), now)
            store.audit.record(
                actor=staff_actor(account),
                action="console_login",
                entity_type="staff",
                entity_id=str(account.id),
                at=now,
            )
        return opened.token

    token = await anyio.to_thread.run_sync(_open)
    response = RedirectResponse(safe_next(next_), status_code=303)
    response.set_cookie(
        COOKIE_NAME,
        token,
        max_age=settings.console_session_ttl_s,
        path=COOKIE_PATH,
        secure=secure_cookies(runtime, request),
        httponly=True,
        samesite="strict",
    )
    response.delete_cookie(LOGIN_COOKIE_NAME, path=COOKIE_PATH)
    return response


@router.post("/logout")
def logout(request: Request, user: AnyStaff, runtime: RuntimeDep, store: StoreDep) -> Response:
    token = request.cookies.get(COOKIE_NAME, "")
    now = get_now(runtime)
    with store.transaction():
        close_session(store, runtime.settings.secret_key.get_secret_value(), token)
        store.audit.record(
            actor=user.actor,
            action="console_logout",
            entity_type="staff",
            entity_id=str(user.account.id),
            at=now,
        )
    response = RedirectResponse("/console/login", status_code=303)
    response.delete_cookie(COOKIE_NAME, path=COOKIE_PATH)
    return response


@router.get("")
@router.get("/")
def home(user: AnyStaff) -> Response:
    """The first screen the staff member's role may use."""
    items = nav_for(user.role)
    return RedirectResponse(items[0].path if items else "/console/login", status_code=303)


@router.get("/account")
def account(request: Request, user: AnyStaff) -> Response:
    """Who is logged in, and the session's rules (every role may open it)."""
    return page(request, user, "account.html", title="내 계정")
