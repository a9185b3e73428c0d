"""Parse a Kakao i Open Builder SkillPayload (protocols.md §1.2) into what the channel needs."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.input_guard import is_safe_id, is_valid_unicode, repair_text
from bot.kakao.skill_response import EXTRA_MORE, EXTRA_PAYLOAD

MAX_SENDER_ID = 128  # botUserKey is documented as up to 70 characters; allow headroom
MAX_UTTERANCE = 4000


class PayloadError(ValueError):
    """Raised when a request body is not a usable SkillPayload; the message is safe to return."""


@dataclass(frozen=True, slots=True)
class SkillRequest:
    sender_id: str  # userRequest.user.id (botUserKey), differs per bot; Rasa's is kakao:<this>
    utterance: str  # what the resident typed, or the label echoed by a quick reply; may be empty
    payload: str | None  # Rasa payload from a pressed quick reply (action.clientExtra.payload)
    wants_more: bool  # the "more" / "show answer" quick reply: served by the channel, not Rasa
    callback_url: str | None
    bot_id: str | None
    block_id: str | None
    surface: str | None
    trigger: str | None
    dedupe_key: str  # hash of the canonical body: a redelivered request hashes the same

    @property
    def rasa_text(self) -> str:
        return self.payload if self.payload else self.utterance


def _obj(value: Any, where: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise PayloadError(f"{where} must be an object")
    return value


def _opt_str(value: Any) -> str | None:
    return value if isinstance(value, str) and value and is_valid_unicode(value) else None


def parse_skill_payload(body: Any) -> SkillRequest:
    """Return the ``SkillRequest`` in a decoded JSON body.

    An empty utterance (a photo, an emoticon, an empty message) is returned as ``""``: the
    channel answers it itself. Text that is not valid Unicode is repaired.

    Raises:
        PayloadError: the body is not an object, or lacks a usable user id.
    """
    if not isinstance(body, Mapping):
        raise PayloadError("body must be a JSON object")
    user_request = _obj(body.get("userRequest"), "userRequest")
    if not user_request:
        raise PayloadError("userRequest is required")
    user = _obj(user_request.get("user"), "userRequest.user")
    sender_id = user.get("id")
    if not isinstance(sender_id, str) or not sender_id.strip():
        raise PayloadError("userRequest.user.id must be a non-empty string")
    if len(sender_id) > MAX_SENDER_ID:
        raise PayloadError("userRequest.user.id is too long")
    if not is_safe_id(sender_id.strip()):
        raise PayloadError("userRequest.user.id has characters a user key never has")
    utterance = user_request.get("utterance", "")
    if utterance is None:
        utterance = ""
    if not isinstance(utterance, str):
        raise PayloadError("userRequest.utterance must be a string")
    if len(utterance) > MAX_UTTERANCE:
        raise PayloadError("userRequest.utterance is too long")
    utterance = repair_text(utterance)

    action = _obj(body.get("action"), "action")
    extra = _obj(action.get("clientExtra"), "action.clientExtra")
    payload = extra.get(EXTRA_PAYLOAD)
    if not isinstance(payload, str) or not payload.strip() or len(payload) > MAX_UTTERANCE:
        payload = None
    else:
        payload = repair_text(payload)
    wants_more = str(extra.get(EXTRA_MORE, "")) in {"1", "true", "True"}

    block = _obj(user_request.get("block"), "userRequest.block")
    params = _obj(user_request.get("params"), "userRequest.params")
    flow = _obj(body.get("flow"), "flow")
    trigger = _obj(flow.get("trigger"), "flow.trigger")
    bot = _obj(body.get("bot"), "bot")
    # ASCII escapes: a lone surrogate anywhere in the body must not fail the hash
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
    return SkillRequest(
        sender_id=sender_id.strip(),
        utterance=utterance.strip(),
        payload=payload.strip() if payload else None,
        wants_more=wants_more,
        callback_url=_opt_str(user_request.get("callbackUrl")),
        bot_id=_opt_str(bot.get("id")),
        block_id=_opt_str(block.get("id")),
        surface=_opt_str(params.get("surface")),
        trigger=_opt_str(trigger.get("type")),
        dedupe_key=hashlib.sha256(canonical.encode("utf-8")).hexdigest(),
    )
