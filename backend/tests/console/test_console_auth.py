"""Console login, sessions and CSRF: what a staff member (or an attacker's page) would notice."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.console.models import ConsoleSession
from app.models import AuditLog
from app.runtime import Runtime
from tests.conftest import MutableClock
from tests.console.helpers import console_login, csrf_of, login_nonce


def _sessions(runtime: Runtime) -> int:
    with runtime.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(ConsoleSession)) or 0)


def _audit_actions(runtime: Runtime) -> list[str]:
    with runtime.sessions() as s:
        return list(s.scalars(select(AuditLog.action).order_by(AuditLog.id)).all())


def test_login_sets_a_strict_httponly_cookie_and_is_audited(
    client: TestClient, runtime: Runtime
) -> None:
    nonce = login_nonce(client)
    answer = client.post(
        "/console/login",
        data={
            "username": "counter1",
            "password": "counter-dev-pass",
            "csrf_token": nonce,
            "next": "https://evil.example/",
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/console"  # never an open redirect
    cookie = next(c for c in answer.headers.get_list("set-cookie") if "minwon_console=" in c)
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert "Path=/console" in cookie
    assert "Secure" not in cookie  # plain http in the test; https sets it (next test)
    assert "console_login" in _audit_actions(runtime)
    page = client.get("/console/account", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "창구 담당" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]


def test_cookie_is_secure_over_https(app: object) -> None:
    client = TestClient(app, base_url="https://console.test")  # type: ignore[arg-type]
    console_login(client, "counter1")
    assert client.cookies.get("minwon_console")
    answer = client.post(
        "/console/login",
        data={
            "username": "counter1",
            "password": "counter-dev-pass",
            "csrf_token": login_nonce(client),
        },
        follow_redirects=False,
    )
    cookie = next(c for c in answer.headers.get_list("set-cookie") if "minwon_console=" in c)
    assert "Secure" in cookie


def test_wrong_password_is_refused_without_a_session(client: TestClient, runtime: Runtime) -> None:
    answer = client.post(
        "/console/login",
        data={"username": "counter1", "password": "wrong", "csrf_token": login_nonce(client)},
        follow_redirects=False,
    )
    assert answer.status_code == 401
    assert "아이디나 비밀번호가 맞지 않아요" in answer.text
    assert "minwon_console=" not in " ".join(answer.headers.get_list("set-cookie")).replace(
        "minwon_console_login=", ""
    )
    assert _sessions(runtime) == 0
    page = client.get("/console/account", headers={"Accept": "text/html"}, follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"].startswith("/console/login")


def test_login_is_throttled_like_the_api_login(client: TestClient, runtime: Runtime) -> None:
    for _ in range(5):
        client.post(
            "/console/login",
            data={"username": "counter1", "password": "nope", "csrf_token": login_nonce(client)},
        )
    answer = client.post(
        "/console/login",
        data={
            "username": "counter1",
            "password": "counter-dev-pass",
            "csrf_token": login_nonce(client),
        },
        follow_redirects=False,
    )
    assert answer.status_code == 429
    assert "Retry-After" in answer.headers
    assert _sessions(runtime) == 0


def test_login_form_without_its_nonce_is_refused(client: TestClient, runtime: Runtime) -> None:
    answer = client.post(
        "/console/login",
        data={"username": "counter1", "password": "counter-dev-pass", "csrf_token": "forged"},
        follow_redirects=False,
    )
    assert answer.status_code == 403
    assert _sessions(runtime) == 0


def test_expired_and_idle_sessions_are_refused(
    client: TestClient, runtime: Runtime, clock: MutableClock
) -> None:
    console_login(client, "counter1")
    clock.advance(minutes=29)
    assert client.get("/console/account", headers={"Accept": "text/html"}).status_code == 200
    clock.advance(minutes=31)  # idle for more than 30 minutes
    idle = client.get("/console/account", headers={"Accept": "application/json"})
    assert idle.status_code == 401
    assert idle.json()["code"] == "unauthorized"
    assert _sessions(runtime) == 0  # the dead session is deleted, it cannot come back
    console_login(client, "counter1")
    for _ in range(17):  # kept busy, but a working day is the most a session lasts
        clock.advance(minutes=29)
        client.get("/console/account", headers={"Accept": "text/html"})
    late = client.get("/console/account", headers={"Accept": "application/json"})
    assert late.status_code == 401


def test_logout_needs_the_csrf_token_and_ends_the_session(
    client: TestClient, runtime: Runtime
) -> None:
    csrf = console_login(client, "counter1")
    refused = client.post("/console/logout", follow_redirects=False)
    assert refused.status_code == 403
    assert refused.json()["code"] == "csrf_failed"
    wrong = client.post("/console/logout", headers={"X-CSRF-Token": csrf[:-2] + "xx"})
    assert wrong.status_code == 403
    cross = client.post(
        "/console/logout", headers={"X-CSRF-Token": csrf, "Origin": "https://evil.example"}
    )
    assert cross.status_code == 403
    assert _sessions(runtime) == 1  # nothing changed
    done = client.post("/console/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert done.status_code == 303
    assert _sessions(runtime) == 0
    assert _audit_actions(runtime)[-1] == "console_logout"
    assert csrf_of  # the helper stays importable for other console tests


def test_accounts_are_made_from_the_command_line_with_the_password_on_stdin(
    runtime: Runtime, monkeypatch: object
) -> None:
    import io
    import sys

    from app.console import accounts

    mp = monkeypatch  # pytest.MonkeyPatch
    url = runtime.settings.resolved_database_url
    mp.setenv("MINWON_DATABASE_URL", url)  # type: ignore[attr-defined]
    mp.setenv("MINWON_PROFILE", "dev")  # type: ignore[attr-defined]
    mp.setattr(sys, "stdin", io.StringIO("short\n"))  # type: ignore[attr-defined]
    assert accounts.main(["add", "kim", "--role", "counter", "--name", "김민원"]) == 2
    mp.setattr(sys, "stdin", io.StringIO("a-long-enough-password\n"))  # type: ignore[attr-defined]
    assert accounts.main(["add", "kim", "--role", "counter", "--name", "김민원"]) == 0
    assert accounts.main(["add", "lee", "--role", "dong_courier", "--name", "이"]) == 2  # no dong
    from app.models import StaffAccount

    with runtime.sessions() as s:
        kim = s.scalars(select(StaffAccount).where(StaffAccount.username == "kim")).one()
        assert kim.role == "counter"
        assert kim.active
        assert "a-long-enough-password" not in kim.password_hash
    assert accounts.main(["disable", "kim"]) == 0
    with runtime.sessions() as s:
        assert (
            not s.scalars(select(StaffAccount).where(StaffAccount.username == "kim")).one().active
        )
