"""Who is using the console: the `console_staff(*roles)` dependency, CSRF, login and logout.

Every console route depends on `console_staff(...)`. It finds the session behind the cookie
(none, expired or idle: an HTML page redirects to the login form, anything else gets 401), checks
the role (supervisors may use every page; otherwise 403 and nothing runs), and for a
state-changing method checks the CSRF token (header `X-CSRF-Token`, or the form field
`csrf_token` of an urlencoded form) and, when the browser sends one, the `Origin` (403
`csrf_failed` and nothing runs).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import parse_qs, urlsplit

import anyio
from fastapi import Depends, Request

from app.api.deps import get_now, get_runtime, get_store
from app.console.sessions import (
    COOKIE_NAME,
    SessionTimes,
    csrf_matches,
    csrf_token_for,
    session_account,
)
from app.errors import DomainError, StaffForbidden, Unauthorized
from app.models import StaffAccount
from app.repositories.store import Store
from app.runtime import Runtime
from app.services.staff import ROLES, staff_actor

logger = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
MAX_FORM_BYTES = 64 * 1024


class ConsoleLoginRequired(Unauthorized):
    """No live console session (none, expired, idle, logged out)."""


class CsrfRefused(DomainError):
    """A state-changing console request without the session's CSRF token (or from elsewhere)."""

    code = "csrf_failed"
    status = 403


class ConsoleForbidden(StaffForbidden):
    """The staff member's role may not use this page or action."""


@dataclass(frozen=True, slots=True)
class ConsoleUser:
    """The staff member behind a console request."""

    account: StaffAccount
    csrf_token: str  # rendered into pages; the session token itself never leaves the cookie

    @property
    def actor(self) -> str:
        """The audit log's actor for this staff member (`staff:<username>`)."""
        return staff_actor(self.account)

    @property
    def role(self) -> str:
        return self.account.role


def session_times(runtime: Runtime) -> SessionTimes:
    settings = runtime.settings
    return SessionTimes(settings.console_session_ttl_s, settings.console_idle_timeout_s)


def secure_cookies(runtime: Runtime, request: Request) -> bool:
    """Secure cookies over https (directly or behind a proxy saying so), or when configured."""
    configured = runtime.settings.console_secure_cookies
    if configured is not None:
        return configured
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return request.url.scheme == "https" or forwarded == "https"


async def form_fields(request: Request) -> dict[str, str]:
    """The fields of an urlencoded form or a JSON object body (no multipart: nothing uploads)."""
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return {}
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/x-www-form-urlencoded":
        parsed = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
        return {k: v[0] for k, v in parsed.items()}
    if kind == "application/json" and body:
        try:
            value = json.loads(body)
        except ValueError:
            return {}
        if isinstance(value, dict):
            return {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in value.items()}
    return {}


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if not origin:
        return True  # old browsers and non-browser clients; the token still has to match
    return urlsplit(origin).netloc.lower() == request.headers.get("host", "").lower()


async def check_csrf(request: Request, secret: str, session_token: str) -> None:
    """Raises: CsrfRefused when the token is missing or wrong, or the request is cross-origin."""
    given = request.headers.get(CSRF_HEADER)
    if not given:
        given = (await form_fields(request)).get(CSRF_FIELD)
    if not _same_origin(request) or not csrf_matches(secret, session_token, given):
        logger.info("console_csrf_refused", extra={"path": request.url.path})
        raise CsrfRefused("the page's security token is missing or wrong; reload the page")


def console_staff(*roles: str) -> Callable[..., Awaitable[ConsoleUser]]:
    """A dependency: the logged-in staff member, when their role is one of `roles`.

    Supervisors pass every check; no roles means any logged-in staff member. State-changing
    methods also need the CSRF token.
    """
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown console roles: {sorted(unknown)}")

    async def dependency(
        request: Request,
        runtime: Annotated[Runtime, Depends(get_runtime)],
        store: Annotated[Store, Depends(get_store)],
    ) -> ConsoleUser:
        secret = runtime.settings.secret_key.get_secret_value()
        token = request.cookies.get(COOKIE_NAME)
        now = get_now(runtime)
        found = await anyio.to_thread.run_sync(
            lambda: session_account(store, secret, token, session_times(runtime), now)
        )
        if found is None or token is None:
            raise ConsoleLoginRequired("console session missing or expired")
        _, account = found
        if roles and account.role not in roles and account.role != "supervisor":
            logger.info(
                "console_role_refused", extra={"path": request.url.path, "role": account.role}
            )
            raise ConsoleForbidden(f"role {account.role} may not use this page")
        if request.method not in SAFE_METHODS:
            await check_csrf(request, secret, token)
        return ConsoleUser(account, csrf_token_for(secret, token))

    return dependency


def audit(
    store: Store,
    user: ConsoleUser,
    action: str,
    *,
    entity_type: str,
    entity_id: str,
    at: Any,
    detail: dict[str, Any] | None = None,
) -> None:
    """One audit row for a console action (call inside the action's `store.transaction()`)."""
    store.audit.record(
        actor=user.actor,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        at=at,
        detail=detail,
    )


# Ready-made dependencies for the common cases.
AnyStaff = Annotated[ConsoleUser, Depends(console_staff())]
CounterStaff = Annotated[ConsoleUser, Depends(console_staff("counter"))]
CourierStaff = Annotated[ConsoleUser, Depends(console_staff("dong_courier"))]
SupervisorStaff = Annotated[ConsoleUser, Depends(console_staff("supervisor"))]
