"""The web chat's conversation id: issued by the server, kept in a signed, HttpOnly cookie.

The page never chooses or even sees its id, so nobody can write into or read from another
resident's conversation by naming it. The cookie is ``<id>.<signature>``, the signature an
HMAC-SHA256 keyed from ``MINWON_SECRET_KEY`` (the launcher refuses to start without it outside
the dev profile); when it is unset, a random key per process is used and a warning is logged,
so in development the web chat starts a new conversation after each restart.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import re
import secrets
from typing import Any

logger = logging.getLogger(__name__)

COOKIE_NAME = "minwon_webchat"
COOKIE_PATH = "/webhooks/webchat"
COOKIE_MAX_AGE_S = 24 * 3600
ID_BYTES = 18  # 144 random bits, 24 URL-safe characters
_ID = re.compile(r"[A-Za-z0-9_-]{24}")
_KEY_PURPOSE = b"minwon webchat conversation cookie v1"


def signing_key(secret: str | None = None) -> bytes:
    """Return the cookie key derived from ``secret`` (default ``MINWON_SECRET_KEY``)."""
    secret = os.environ.get("MINWON_SECRET_KEY", "") if secret is None else secret
    if not secret:
        logger.warning("webchat_secret_key_missing_using_random_key")
        return secrets.token_bytes(32)
    return hmac.new(secret.encode("utf-8"), _KEY_PURPOSE, hashlib.sha256).digest()


class WebchatSessions:
    """Issues and checks web-chat conversation ids."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def _signature(self, session_id: str) -> str:
        digest = hmac.new(self._key, session_id.encode("ascii"), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")

    def issue(self) -> tuple[str, str]:
        """Return a new ``(id, cookie value)``."""
        session_id = secrets.token_urlsafe(ID_BYTES)
        return session_id, f"{session_id}.{self._signature(session_id)}"

    def verify(self, cookie: str | None) -> str | None:
        """Return the id in a genuine cookie value, else ``None``."""
        if not cookie or len(cookie) > 128:
            return None
        session_id, _, signature = cookie.partition(".")
        if not _ID.fullmatch(session_id):
            return None
        return session_id if hmac.compare_digest(signature, self._signature(session_id)) else None


def set_cookie(resp: Any, value: str, secure: bool) -> None:
    """Attach the session cookie to a Sanic response."""
    resp.cookies[COOKIE_NAME] = value
    cookie = resp.cookies[COOKIE_NAME]
    cookie["path"] = COOKIE_PATH
    cookie["httponly"] = True
    cookie["samesite"] = "Strict"
    cookie["max-age"] = COOKIE_MAX_AGE_S
    if secure:
        cookie["secure"] = True
