"""Logging in to the console from a TestClient, as a browser does (form, cookies, CSRF)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

PASSWORDS = {
    "counter1": "counter-dev-pass",
    "courier-sindang": "courier-dev-pass",
    "supervisor1": "supervisor-dev-pass",
}
_HIDDEN_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_META_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]*)"')


def login_nonce(client: TestClient) -> str:
    """Open the login form (sets its nonce cookie) and return the form's hidden token."""
    form = client.get("/console/login")
    assert form.status_code == 200
    found = _HIDDEN_CSRF.search(form.text)
    assert found
    return found.group(1)


def console_login(client: TestClient, username: str, password: str | None = None) -> str:
    """Log `client` in (its cookie jar keeps the session); return the page's CSRF token."""
    answer = client.post(
        "/console/login",
        data={
            "username": username,
            "password": PASSWORDS[username] if password is None else password,
            "csrf_token": login_nonce(client),
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return csrf_of(client, "/console/account")


def csrf_of(client: TestClient, path: str) -> str:
    """The CSRF token rendered into a console page."""
    page = client.get(path, headers={"Accept": "text/html"})
    found = _META_CSRF.search(page.text)
    assert found, page.text[:300]
    assert found.group(1)
    return found.group(1)
