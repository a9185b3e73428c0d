"""A local web chat for trying the bot without a messenger account (DESIGN.md "Channels").

- ``GET  /webhooks/webchat/``        one self-contained page (``page.html``: no CDN, Korean UI).
- ``POST /webhooks/webchat/webhook`` ``{"sender", "message"}`` -> the turn's messages, in Rasa's
  REST format (a JSON list of ``{"text", "buttons", "custom", ...}``); RRNs masked at the door.
- ``GET  /webhooks/webchat/pending?sender=`` messages pushed outside a turn (staff replies), which
  the page polls for; ``get_output_channel()`` files them there.
"""

from __future__ import annotations

import json
import logging
import re
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from nlu.pii import mask_rrn

logger = logging.getLogger(__name__)

PAGE_FILE = Path(__file__).with_name("page.html")
MAX_MESSAGE_CHARS = 5000
MAX_BODY_BYTES = 64 * 1024
SENDER_PATTERN = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")
MAX_PENDING_PER_SENDER = 50
MAX_SENDERS = 10_000
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
    """Messages pushed outside a turn, per sender, until the page fetches them."""

    def __init__(self) -> None:
        self._boxes: OrderedDict[str, deque[dict[str, Any]]] = OrderedDict()

    def put(self, sender: str, message: dict[str, Any]) -> None:
        box = self._boxes.setdefault(sender, deque(maxlen=MAX_PENDING_PER_SENDER))
        self._boxes.move_to_end(sender)
        box.append(message)
        while len(self._boxes) > MAX_SENDERS:
            self._boxes.popitem(last=False)

    def take(self, sender: str) -> list[dict[str, Any]]:
        return list(self._boxes.pop(sender, ()))


class WebchatPushOutput(WebchatCollector):
    def __init__(self, pending: PendingMessages) -> None:
        super().__init__()
        self.pending = pending

    async def _persist_message(self, message: dict[str, Any]) -> None:
        self.pending.put(str(message.get("recipient_id")), message)


def _error(detail: str, status: int = 400) -> HTTPResponse:
    return response.json({"error": "bad_request", "detail": detail}, status=status)


class WebchatInput(InputChannel):
    """The local web chat page and its JSON endpoint."""

    @classmethod
    def name(cls) -> str:
        return "webchat"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> WebchatInput:
        return cls()

    def __init__(self) -> None:
        self.page = PAGE_FILE.read_text(encoding="utf-8")
        self.pending = PendingMessages()

    def get_output_channel(self) -> WebchatPushOutput:
        return WebchatPushOutput(self.pending)

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        bp = Blueprint(f"webchat_{id(self)}", __name__)

        @bp.route("/", methods=["GET"])
        async def page(_: Request) -> HTTPResponse:
            return response.html(
                self.page,
                headers={
                    "Content-Security-Policy": CSP,
                    "X-Content-Type-Options": "nosniff",
                    "Referrer-Policy": "no-referrer",
                    "Cache-Control": "no-store",
                },
            )

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if len(request.body or b"") > MAX_BODY_BYTES:
                return _error("body too large", status=413)
            try:
                body = json.loads(request.body or b"")
            except (ValueError, UnicodeDecodeError):
                return _error("body is not valid JSON")
            if not isinstance(body, dict):
                return _error("body must be a JSON object")
            sender, message = body.get("sender"), body.get("message")
            if not isinstance(sender, str) or not SENDER_PATTERN.match(sender):
                return _error("'sender' must be 1-128 letters, digits or _.:-")
            if not isinstance(message, str) or not message.strip():
                return _error("'message' must be a non-empty string")
            if len(message) > MAX_MESSAGE_CHARS:
                return _error(f"'message' is longer than {MAX_MESSAGE_CHARS} characters")
            collector = WebchatCollector()
            failed: list[dict[str, Any]] = []
            try:
                await on_new_message(
                    UserMessage(mask_rrn(message), collector, sender, input_channel=self.name())
                )
            except Exception:
                # what was said before the failure still reaches the page, then an apology
                logger.exception("webchat_turn_failed", extra={"conversation_id": sender})
                failed = [{"recipient_id": sender, "custom": {"error": "turn_failed"}}]
            return response.json(self.pending.take(sender) + collector.messages + failed)

        @bp.route("/pending", methods=["GET"])
        async def pending(request: Request) -> HTTPResponse:
            sender = request.args.get("sender", "")
            if not SENDER_PATTERN.match(sender):
                return _error("'sender' must be 1-128 letters, digits or _.:-")
            return response.json(self.pending.take(sender))

        return bp
