"""Rasa's REST channel at its usual URL and format, for development and tests only.

``POST /webhooks/rest/webhook`` with ``{"sender", "message", "metadata"?}`` returns the turn's
messages as Rasa's REST channel does. Unlike Rasa's channel:

- it answers 404 unless ``MINWON_PROFILE`` is ``dev`` or ``test``: whoever reaches it chooses
  their own sender, which only a developer may do;
- the conversation id is ``rest:<sender>`` (``bot/conversation_ids.py``), so a REST client can
  never reach a Kakao, Telegram or web-chat conversation; ``input_channel`` in the body is ignored;
- the body is bounded before it is parsed and checked at the door (``bot/input_guard.py``): a
  malformed body or sender gets a 400, never a 500, and text that is not valid Unicode is repaired;
- resident registration numbers are masked before Rasa stores the text (Rasa stores the
  channel's text, not the NLU's), and ``client_key`` is set in the metadata;
- the turn runs through ``bot.turn_guard.TurnGuard``: with the action server down the resident is
  told so instead of getting ``[]``. Rasa's ``?stream=true`` is not offered.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.client_key import client_key
from bot.conversation_ids import REST, conversation_id
from bot.input_guard import (
    BodyRefused,
    is_clean_json,
    is_safe_id,
    parse_json_body,
    repair_text,
)
from bot.runtime_profile import is_dev_or_test
from bot.turn_guard import TurnGuard
from bot.turn_runner import off_loop
from nlu.pii import mask_rrn

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 5000
MAX_BODY_BYTES = 64 * 1024

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


def _error(status: int, code: str, detail: str = "") -> HTTPResponse:
    body = {"error": code}
    if detail:
        body["detail"] = detail
    return response.json(body, status=status)


class RestRequest:
    """A checked REST request: the conversation id, the masked text and the metadata."""

    def __init__(self, sender: str, text: str, metadata: dict[str, Any]) -> None:
        self.sender = sender
        self.text = text
        self.metadata = metadata


def read_rest_request(body: bytes | None, client: str) -> RestRequest:
    """Return the checked request in ``body``.

    Raises:
        BodyRefused: the body is too large (413) or unusable (400).
    """
    data = parse_json_body(body, MAX_BODY_BYTES)
    if not isinstance(data, dict):
        raise BodyRefused(400, "bad_request", "body must be a JSON object")
    sender = data.get("sender")
    if isinstance(sender, int) and not isinstance(sender, bool):
        sender = str(sender)
    if not is_safe_id(sender):
        raise BodyRefused(400, "bad_request", "'sender' must be 1-128 of A-Z a-z 0-9 _.:@+=-")
    message = data.get("message")
    if not isinstance(message, str):
        raise BodyRefused(400, "bad_request", "'message' must be a string")
    if len(message) > MAX_MESSAGE_CHARS:
        raise BodyRefused(400, "bad_request", f"'message' is over {MAX_MESSAGE_CHARS} characters")
    metadata = data.get("metadata")
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, dict) or not is_clean_json(metadata):
        raise BodyRefused(400, "bad_request", "'metadata' must be an object of valid text")
    # the client never chooses its own rate-limit key
    metadata = {**metadata, "client_key": client}
    return RestRequest(conversation_id(REST, str(sender)), mask_rrn(repair_text(message)), metadata)


class MaskedRestInput(InputChannel):
    """``POST /webhooks/rest/webhook`` with Rasa's request and reply format (dev and test only)."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> MaskedRestInput:
        return cls()

    def __init__(self, turns: TurnGuard | None = None) -> None:
        self.turns = turns or TurnGuard()

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        bp = Blueprint(f"custom_webhook_{type(self).__name__}_{id(self)}", __name__)
        # turns run as every resident channel runs them (bot/turn_runner.py), so the benchmark's
        # REST load measures the production path
        on_new_message = off_loop(on_new_message)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            if not is_dev_or_test():
                return _error(404, "not_found")
            return response.json({"status": "ok"})

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not is_dev_or_test():
                return _error(404, "not_found")
            try:
                checked = read_rest_request(request.body, client_key(request))
            except BodyRefused as e:
                return _error(e.status, e.code, e.detail)
            collector = CollectingOutputChannel()
            message = UserMessage(
                checked.text,
                collector,
                checked.sender,
                input_channel=self.name(),
                metadata=checked.metadata,
            )
            try:
                await self.turns.run(message, on_new_message, request.app)
            except Exception:
                logger.exception("rest_turn_failed", extra={"conversation_id": checked.sender})
                words = self.turns.words(request.app)
                return response.json(
                    [*collector.messages, {"recipient_id": checked.sender, "text": words["error"]}]
                )
            return response.json(collector.messages)

        return bp
