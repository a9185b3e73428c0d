"""Console sessions: a random token in an HttpOnly cookie, its keyed hash in `console_sessions`.

A session ends at `expires_at` (absolute, `MINWON_CONSOLE_SESSION_TTL_S`), after
`MINWON_CONSOLE_IDLE_TIMEOUT_S` without a request, at logout, or when the account is switched off.
The CSRF token is derived from the session token (HMAC with its own purpose), so it needs no
column, changes with every login and cannot be computed without the server's key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from app.console.models import ConsoleSession
from app.keyed_hash import hashes_match, keyed_hash, new_token
from app.models import StaffAccount
from app.repositories.store import Store

COOKIE_NAME = "minwon_console"
LOGIN_COOKIE_NAME = "minwon_console_login"  # the login form's own CSRF nonce, before a session
COOKIE_PATH = "/console"
# Writing last_seen_at on every request would serialise page loads on SQLite's write lock.
TOUCH_EVERY_S = 60


@dataclass(frozen=True, slots=True)
class SessionTimes:
    ttl_s: int
    idle_s: int


@dataclass(frozen=True, slots=True)
class OpenSession:
    token: str  # goes into the cookie only
    csrf_token: str
    expires_at: datetime


def _token_hash(secret: str, token: str) -> str:
    return keyed_hash(secret, "console_session", token)


def csrf_token_for(secret: str, session_token: str) -> str:
    return keyed_hash(secret, "console_csrf", session_token)


def csrf_matches(secret: str, session_token: str, given: str | None) -> bool:
    return bool(given) and hashes_match(given or "", csrf_token_for(secret, session_token))


def open_session(
    store: Store, secret: str, account: StaffAccount, times: SessionTimes, now: datetime
) -> OpenSession:
    """Start a session after a successful login (audited by the caller's transaction)."""
    token = new_token()
    expires_at = now + timedelta(seconds=times.ttl_s)
    store.session.add(
        ConsoleSession(
            token_hash=_token_hash(secret, token),
            staff_id=account.id,
            created_at=now,
            last_seen_at=now,
            expires_at=expires_at,
        )
    )
    store.session.flush()
    return OpenSession(token, csrf_token_for(secret, token), expires_at)


def session_account(
    store: Store,
    secret: str,
    token: str | None,
    times: SessionTimes,
    now: datetime,
    *,
    touch: bool = True,
) -> tuple[ConsoleSession, StaffAccount] | None:
    """The live session and its active account behind a cookie value, or None.

    An expired or idle session found here is deleted, so it cannot come back. `touch=False`
    (live-update streams) checks without counting as activity: an open page alone does not keep
    a session from going idle.
    """
    if not token:
        return None
    row = store.session.scalars(
        select(ConsoleSession).where(ConsoleSession.token_hash == _token_hash(secret, token))
    ).first()
    if row is None:
        return None
    idle_until = row.last_seen_at + timedelta(seconds=times.idle_s)
    if now >= row.expires_at or now >= idle_until:
        with store.transaction():
            store.session.execute(delete(ConsoleSession).where(ConsoleSession.id == row.id))
        return None
    account = store.staff.get(row.staff_id)
    if account is None or not account.active:
        return None
    if touch and (now - row.last_seen_at).total_seconds() >= TOUCH_EVERY_S:
        session_id = row.id
        with store.transaction():
            fresh = store.session.get(ConsoleSession, session_id)
            if fresh is not None:
                fresh.last_seen_at = now
        row = fresh or row
        account = store.staff.get(row.staff_id) or account
    return row, account


def close_session(store: Store, secret: str, token: str) -> None:
    store.session.execute(
        delete(ConsoleSession).where(ConsoleSession.token_hash == _token_hash(secret, token))
    )
