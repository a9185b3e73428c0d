"""The caller's number as the voice line vouches for it: a claim signed for one conversation.

The voice channels (bot/voice/fastagi.py) know the number Asterisk or the carrier reports; the
action server only relays what Rasa's message metadata holds, and metadata can come from any
channel. So the channel signs ``conversation | number | time`` with a key derived from
``MINWON_SECRET_KEY`` (the Rasa server and the backend have it; the action server does not), and
the backend checks the signature, that the conversation is a ``voice:`` one and the one asking,
and that the claim is fresh (backend/app/services/identity.py, ``verify_caller_claim``). A
message typed on another channel cannot carry a valid claim, and the action server cannot make
one.

Format: ``v1.<unix seconds>.<national number>.<hex HMAC-SHA256>``.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import time
from typing import Final

VERSION: Final = "v1"
_KEY_PURPOSE: Final = b"minwon voice caller claim v1"


def claim_key(secret: str) -> bytes:
    return hmac.new(secret.encode("utf-8"), _KEY_PURPOSE, hashlib.sha256).digest()


def sign(
    conversation: str, number: str, secret: str | None = None, now: float | None = None
) -> str | None:
    """The claim for ``number`` calling in ``conversation``; None without a secret key."""
    secret = os.environ.get("MINWON_SECRET_KEY", "") if secret is None else secret
    if not secret or not number.isdigit() or not conversation.startswith("voice:"):
        return None
    issued = int(time.time() if now is None else now)
    material = f"{VERSION}|{conversation}|{number}|{issued}".encode("utf-8")
    signature = hmac.new(claim_key(secret), material, hashlib.sha256).hexdigest()
    return f"{VERSION}.{issued}.{number}.{signature}"
