"""Calling Rasa's HTTP API: a short-lived HS256 JWT signed with ``MINWON_RASA_TOKEN``.

Rasa is started by ``bot/rasa_server.py`` with that secret as its JWT secret and no query-string
token, so the secret itself is never sent, never in a URL and never on a command line. Admin
endpoints (tracker, events, model) need the ``admin`` role; Rasa checks the signature (constant
time, in PyJWT) and the expiry.
"""

from __future__ import annotations

import time

import jwt

JWT_METHOD = "HS256"
DEFAULT_TTL_S = 300


def rasa_jwt(secret: str, username: str = "minwon", role: str = "admin",
             ttl_s: int = DEFAULT_TTL_S) -> str:
    """A token Rasa accepts for ``ttl_s`` seconds."""
    now = int(time.time())
    payload = {"user": {"username": username, "role": role}, "iat": now, "exp": now + ttl_s}
    return jwt.encode(payload, secret, algorithm=JWT_METHOD)


def rasa_auth_headers(secret: str, ttl_s: int = DEFAULT_TTL_S) -> dict[str, str]:
    """``Authorization: Bearer <jwt>`` for one call (or a few) to Rasa's HTTP API."""
    return {"Authorization": f"Bearer {rasa_jwt(secret, ttl_s=ttl_s)}"}
