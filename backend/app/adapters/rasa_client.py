"""The backend's client of Rasa's HTTP API: transcripts, staff replies, hand-back.

Rasa's HTTP API takes an HS256 JWT in the Authorization header only (bot/rasa_auth.py, signed
with `MINWON_RASA_TOKEN`). The console never sends that secret or a token to a browser: every call
is made here, server side.

Least privilege: Rasa grants a JWT with `role: user` access to exactly one conversation, the one
whose id equals the token's `username` (rasa.server.requires_auth). The client therefore signs a
fresh token per call, for that one conversation, valid `token_ttl_s` seconds (60 by default), and
never an `admin` token: a leaked console token can neither read another resident's conversation
nor replace the model or list trackers.

Where a push goes (docs/channels.md): Rasa hands a BotUttered appended with
`execute_side_effects=true` to the output channel named in `output_channel`. Web chat files it in
the page's pending box (shown within seconds), Telegram sends it at once, Kakao files it in the
resident's mailbox (shown with their next message). Other conversations (REST, phone) have no way
to receive a push: `push_channel()` says None and the caller makes a call-back task instead.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote

import httpx
import jwt

logger = logging.getLogger(__name__)

JWT_METHOD = "HS256"
DEFAULT_TOKEN_TTL_S = 60

# Conversation id namespace (bot/conversation_ids.py) -> the Rasa input channel that pushes.
PUSH_CHANNELS: dict[str, str] = {"web": "webchat", "telegram": "telegram", "kakao": "kakao"}
# How the resident receives a push on that channel.
Delivery = Literal["now", "next_message", "callback"]
DELIVERY: dict[str, Delivery] = {"webchat": "now", "telegram": "now", "kakao": "next_message"}


class RasaUnavailable(RuntimeError):
    """Rasa did not answer, refused the token, or answered with an error."""


def push_channel(conversation_id: str) -> str | None:
    """The output channel that reaches this conversation's resident, or None (REST, phone)."""
    namespace, sep, rest = conversation_id.partition(":")
    if not sep or not rest:
        return None
    return PUSH_CHANNELS.get(namespace)


def delivery_for(conversation_id: str) -> Delivery:
    """When a staff reply reaches the resident: now, with their next message, or by call-back."""
    channel = push_channel(conversation_id)
    return DELIVERY[channel] if channel else "callback"


def conversation_token(secret: str, conversation_id: str, ttl_s: int = DEFAULT_TOKEN_TTL_S) -> str:
    """A JWT Rasa accepts for this one conversation only (role `user`), for `ttl_s` seconds."""
    now = int(time.time())
    payload = {
        "user": {"username": conversation_id, "role": "user"},
        "iat": now,
        "exp": now + ttl_s,
    }
    return jwt.encode(payload, secret, algorithm=JWT_METHOD)


@dataclass(frozen=True, slots=True)
class TranscriptLine:
    """One message of a conversation, as staff see it."""

    speaker: Literal["resident", "bot", "staff"]
    text: str
    at: float  # Unix time, as Rasa records it
    channel: str | None = None


class RasaClient:
    """Calls Rasa's HTTP API for one conversation at a time with a conversation-scoped JWT."""

    def __init__(
        self,
        base_url: str,
        secret: str,
        *,
        timeout_s: float = 5.0,
        token_ttl_s: int = DEFAULT_TOKEN_TTL_S,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._base = base_url.rstrip("/")
        self._secret = secret
        self._ttl = token_ttl_s
        self._client = httpx.Client(timeout=timeout_s, transport=transport)

    def close(self) -> None:
        self._client.close()

    def _url(self, conversation_id: str, tail: str) -> str:
        # ':' stays as it is: Sanic does not unquote path parameters, and Rasa compares the id
        # in the path with the token's username (namespaced ids hold no other special character)
        return f"{self._base}/conversations/{quote(conversation_id, safe=':')}/{tail}"

    def _headers(self, conversation_id: str) -> dict[str, str]:
        token = conversation_token(self._secret, conversation_id, self._ttl)
        return {"Authorization": f"Bearer {token}"}

    def _call(
        self,
        method: str,
        conversation_id: str,
        tail: str,
        *,
        params: dict[str, str] | None = None,
        json: Any = None,
    ) -> Any:
        try:
            answer = self._client.request(
                method,
                self._url(conversation_id, tail),
                params=params,
                json=json,
                headers=self._headers(conversation_id),
            )
        except httpx.HTTPError as e:
            logger.warning("rasa_unreachable", extra={"error": type(e).__name__})
            raise RasaUnavailable("Rasa did not answer") from e
        if answer.status_code >= 400:
            # The body may quote the conversation; only the status is logged.
            logger.warning("rasa_refused", extra={"status": answer.status_code, "call": tail})
            raise RasaUnavailable(f"Rasa answered {answer.status_code}")
        return answer.json()

    def tracker(self, conversation_id: str) -> dict[str, Any]:
        """The conversation's tracker with every event (Rasa stores RRNs already masked)."""
        result: dict[str, Any] = self._call(
            "GET", conversation_id, "tracker", params={"include_events": "ALL"}
        )
        return result

    def transcript(self, conversation_id: str) -> list[TranscriptLine]:
        return transcript_lines(self.tracker(conversation_id).get("events") or [])

    def append_events(
        self, conversation_id: str, events: list[dict[str, Any]], output_channel: str | None
    ) -> None:
        """Append events; bot messages among them go out through `output_channel`."""
        params = {"execute_side_effects": "true"}
        if output_channel:
            params["output_channel"] = output_channel
        self._call("POST", conversation_id, "tracker/events", params=params, json=events)

    def push_text(self, conversation_id: str, text: str, *, staff_name: str | None = None) -> bool:
        """Say `text` to the resident in their channel; False when the channel cannot be pushed
        to (REST, phone: make a call-back task instead). Raises: RasaUnavailable."""
        channel = push_channel(conversation_id)
        if channel is None:
            return False
        event = {
            "event": "bot",
            "text": text,
            "timestamp": time.time(),
            "metadata": {"minwon_staff": staff_name or True},
        }
        self.append_events(conversation_id, [event], channel)
        return True

    def pause(self, conversation_id: str) -> None:
        """Keep the bot quiet while a person handles the conversation (Rasa still records every
        message). A ticket opened after hours leaves the bot serving until staff take it."""
        self.append_events(conversation_id, [{"event": "pause", "timestamp": time.time()}], None)

    def resume(self, conversation_id: str) -> None:
        """Hand the conversation back: the bot predicts again from where it was paused."""
        self.append_events(conversation_id, [{"event": "resume", "timestamp": time.time()}], None)

    def notify(self, conversation_id: str, text: str) -> bool:
        """`ResidentNotifier` (services/console_notices.py): a notice pushed to the resident."""
        return self.push_text(conversation_id, text)


def transcript_lines(events: list[dict[str, Any]]) -> list[TranscriptLine]:
    """Resident and bot messages in order; staff replies are bot events marked `minwon_staff`."""
    lines: list[TranscriptLine] = []
    for event in events:
        kind = event.get("event")
        text = event.get("text")
        if kind not in ("user", "bot") or not text:
            continue
        at = float(event.get("timestamp") or 0)
        if kind == "user":
            lines.append(TranscriptLine("resident", str(text), at, event.get("input_channel")))
            continue
        metadata = event.get("metadata") or {}
        speaker: Literal["bot", "staff"] = "staff" if metadata.get("minwon_staff") else "bot"
        lines.append(TranscriptLine(speaker, str(text), at))
    return lines
