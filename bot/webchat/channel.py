"""A local web chat for trying the bot without a messenger account (DESIGN.md "Channels").

- ``GET  /webhooks/webchat/``        one self-contained page (``page.html``: no CDN, Korean UI);
  it sets the conversation cookie when there is none (``session.py``).
- ``POST /webhooks/webchat/webhook`` ``{"message"}`` -> the turn's messages, in Rasa's REST
  format (a JSON list of ``{"text", "buttons", "custom", ...}``). The conversation is the
  cookie's (``web:<id>``); a ``sender`` in the body is ignored. RRNs are masked at the door.
- ``GET  /webhooks/webchat/pending``  messages pushed outside a turn (staff replies) for the
  cookie's conversation only, which the page polls for; ``get_output_channel()`` files them.
- ``POST /webhooks/webchat/new``     a new conversation (the page's "새 대화" button).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.client_key import client_key
from bot.conversation_ids import WEB, conversation_id, platform_id
from bot.input_guard import BodyRefused, parse_json_body, repair_text
from bot.state_store import MemoryStateStore, StateStore, open_store
from bot.turn_guard import TurnGuard
from bot.turn_runner import off_loop
from bot.webchat.session import COOKIE_NAME, WebchatSessions, set_cookie, signing_key
from nlu.pii import mask_rrn

logger = logging.getLogger(__name__)

PAGE_FILE = Path(__file__).with_name("page.html")
MAX_MESSAGE_CHARS = 5000
MAX_BODY_BYTES = 64 * 1024
MAX_PENDING_PER_SENDER = 50
MAX_SENDERS = 10_000
PENDING_FOR_S = 24 * 3600.0  # a page closed for a day will not fetch them any more
# the page runs inline script and style only; nothing may load from elsewhere
CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "connect-src 'self'; img-src 'self' data: https:; base-uri 'none'; form-action 'none'"
)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


class WebchatCollector(CollectingOutputChannel):
    """One turn's messages, named ``webchat`` for ``channel:`` response variations. Texts stay
    whole (the page shows line breaks), unlike Rasa's collector which splits on blank lines."""

    @classmethod
    def name(cls) -> str:
        return "webchat"

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._persist_message(self._message(recipient_id, text=text.strip()))


class PendingMessages:
    """Messages pushed outside a turn, per conversation id, until the page fetches them; in the
    state store (bot/state_store.py), so a reply filed by one Rasa instance is served by any."""

    def __init__(
        self,
        max_senders: int = MAX_SENDERS,
        ttl_s: float = PENDING_FOR_S,
        store: StateStore | None = None,
    ) -> None:
        self._boxes = store or MemoryStateStore(max_senders)
        self._ttl_s = ttl_s

    def __len__(self) -> int:
        return len(self._boxes) if isinstance(self._boxes, MemoryStateStore) else -1

    async def put(self, conversation: str, message: dict[str, Any]) -> None:
        await self._boxes.append(conversation, [message], MAX_PENDING_PER_SENDER, self._ttl_s)

    async def take(self, conversation: str) -> list[dict[str, Any]]:
        return await self._boxes.pop_all(conversation)


class WebchatPushOutput(WebchatCollector):
    """The output Rasa uses outside a turn (staff replies): files ``web:`` messages for the page."""

    def __init__(self, pending: PendingMessages) -> None:
        super().__init__()
        self.pending = pending

    async def _persist_message(self, message: dict[str, Any]) -> None:
        recipient = str(message.get("recipient_id"))
        if platform_id(WEB, recipient) is None:
            logger.warning("webchat_push_not_a_webchat_conversation")
            return
        await self.pending.put(recipient, message)


def _error(detail: str, status: int = 400, code: str = "bad_request") -> HTTPResponse:
    return response.json({"error": code, "detail": detail}, status=status)


class WebchatInput(InputChannel):
    """The local web chat page and its JSON endpoints."""

    @classmethod
    def name(cls) -> str:
        return "webchat"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> WebchatInput:
        return cls()

    def __init__(
        self, sessions: WebchatSessions | None = None, turns: TurnGuard | None = None
    ) -> None:
        self.page = PAGE_FILE.read_text(encoding="utf-8")
        self.pending = PendingMessages(store=open_store("webchat-pending", MAX_SENDERS))
        self.sessions = sessions or WebchatSessions(signing_key())
        self.turns = turns or TurnGuard()

    def get_output_channel(self) -> WebchatPushOutput:
        return WebchatPushOutput(self.pending)

    def _session(self, request: Request) -> tuple[str, str | None]:
        """Return ``(conversation id, cookie to set or None)`` for the request's cookie."""
        session_id = self.sessions.verify(request.cookies.get(COOKIE_NAME))
        if session_id is not None:
            return conversation_id(WEB, session_id), None
        session_id, cookie = self.sessions.issue()
        return conversation_id(WEB, session_id), cookie

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        bp = Blueprint(f"webchat_{id(self)}", __name__)
        # the turn's CPU work runs off the server's loop (bot/turn_runner.py)
        on_new_message = off_loop(on_new_message)

        def finish(resp: HTTPResponse, request: Request, cookie: str | None) -> HTTPResponse:
            if cookie is not None:
                set_cookie(resp, cookie, secure=request.scheme == "https")
            return resp

        @bp.route("/", methods=["GET"])
        async def page(request: Request) -> HTTPResponse:
            _, cookie = self._session(request)
            resp = response.html(
                self.page,
                headers={
                    "Content-Security-Policy": CSP,
                    "X-Content-Type-Options": "nosniff",
                    "Referrer-Policy": "no-referrer",
                    "Cache-Control": "no-store",
                },
            )
            return finish(resp, request, cookie)

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                body = parse_json_body(request.body, MAX_BODY_BYTES)
            except BodyRefused as e:
                return _error(e.detail, e.status, e.code)
            if not isinstance(body, dict):
                return _error("body must be a JSON object")
            message = body.get("message")
            if not isinstance(message, str) or not message.strip():
                return _error("'message' must be a non-empty string")
            if len(message) > MAX_MESSAGE_CHARS:
                return _error(f"'message' is longer than {MAX_MESSAGE_CHARS} characters")
            sender, cookie = self._session(request)
            collector = WebchatCollector()
            failed: list[dict[str, Any]] = []
            user_message = UserMessage(
                mask_rrn(repair_text(message)),
                collector,
                sender,
                input_channel=self.name(),
                metadata={"client_key": client_key(request)},
            )
            try:
                await self.turns.run(user_message, on_new_message, request.app)
            except Exception:
                # what was said before the failure still reaches the page, then an apology
                logger.exception("webchat_turn_failed", extra={"conversation_id": sender})
                failed = [{"recipient_id": sender, "custom": {"error": "turn_failed"}}]
            waiting = await self.pending.take(sender)
            resp = response.json(waiting + collector.messages + failed)
            return finish(resp, request, cookie)

        @bp.route("/pending", methods=["GET"])
        async def pending(request: Request) -> HTTPResponse:
            session_id = self.sessions.verify(request.cookies.get(COOKIE_NAME))
            if session_id is None:
                return response.json([])
            return response.json(await self.pending.take(conversation_id(WEB, session_id)))

        @bp.route("/new", methods=["POST"])
        async def new(request: Request) -> HTTPResponse:
            _, cookie = self.sessions.issue()
            return finish(response.json({"status": "ok"}), request, cookie)

        return bp
