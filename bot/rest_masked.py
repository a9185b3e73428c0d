"""Rasa's REST channel at its usual URL, with RRNs masked before Rasa stores the text.

Rasa writes the channel's text into the tracker store (not the NLU pipeline's), so the mask must
be applied here, where the message enters. Malformed bodies get a 400 instead of Rasa's 500.
"""

from __future__ import annotations

from typing import Any

from rasa.core.channels.rest import RestInput
from sanic.exceptions import InvalidUsage as BadRequest  # sanic 21.12: 400
from sanic.request import Request

from nlu.pii import mask_rrn

MAX_MESSAGE_CHARS = 5000


def _body(req: Request) -> dict[str, Any]:
    body = req.json  # sanic answers 400 itself when the body is not JSON at all
    if not isinstance(body, dict):
        raise BadRequest("body must be a JSON object with 'sender' and 'message'")
    return body


class MaskedRestInput(RestInput):
    """``POST /webhooks/rest/webhook`` with Rasa's request and reply format, RRN-safe."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    async def _extract_sender(self, req: Request) -> str | None:
        sender = _body(req).get("sender")
        if sender is not None and not isinstance(sender, (str, int)):
            raise BadRequest("'sender' must be a string")
        return None if sender is None else str(sender)

    def _extract_message(self, req: Request) -> str | None:
        message = _body(req).get("message")
        if not isinstance(message, str):
            raise BadRequest("'message' must be a string")
        if len(message) > MAX_MESSAGE_CHARS:
            raise BadRequest(f"'message' is longer than {MAX_MESSAGE_CHARS} characters")
        return mask_rrn(message)

    def get_metadata(self, request: Request) -> dict[str, Any] | None:
        metadata = _body(request).get("metadata")
        return metadata if isinstance(metadata, dict) else None
