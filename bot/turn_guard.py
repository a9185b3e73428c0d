"""One conversation turn as every channel runs it: say so when the action server is down.

Rasa 3.6 swallows a failing custom action inside ``MessageProcessor._run_action`` (its events
are dropped, the turn ends with nothing said), so a resident whose answer needed the action
server would get ``[]`` or Kakao's "received". ``TurnGuard.run`` wraps ``on_new_message``: when a
turn says nothing, ran a custom action or form, and the action server does not answer its health
check, the resident is told so (``bot/texts.yml``) and the message is kept. When they then write
one of the retry words and the server is back, the kept message is handed to Rasa again, as if
just sent; anything else they write is handled as usual and replaces what was kept.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from rasa.core.channels.channel import UserMessage
from rasa.shared.core.events import ActionExecuted, UserUttered

from bot.bounded import BoundedMap
from bot.reply import ChannelTexts, domain_of

logger = logging.getLogger(__name__)

TEXTS_FILE = Path(__file__).with_name("texts.yml")
HEALTH_TIMEOUT_S = 1.5
MAX_KEPT = 10_000
KEPT_FOR_S = 3600.0  # after an hour the resident has moved on; a late replay would surprise
_NOT_WORD = re.compile(r"[\s.!?~,·…]+")

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
HealthCheck = Callable[[Any], Awaitable[bool | None]]


def shared_texts() -> ChannelTexts:
    return ChannelTexts.from_yaml("shared", TEXTS_FILE)


@dataclass(frozen=True, slots=True)
class KeptMessage:
    text: str
    metadata: dict[str, Any] | None


async def action_server_is_up(app: Any) -> bool | None:
    """Ask the action server of the app's agent for ``/health``; ``None`` when there is none."""
    agent = getattr(getattr(app, "ctx", None), "agent", None)
    endpoint = getattr(agent, "action_endpoint", None)
    url = getattr(endpoint, "url", None)
    if not url:
        return None
    parts = urlsplit(str(url))
    health = urlunsplit((parts.scheme, parts.netloc, "/health", "", ""))
    try:
        async with httpx.AsyncClient(timeout=HEALTH_TIMEOUT_S) as client:
            return (await client.get(health)).status_code == 200
    except httpx.HTTPError:
        return False


async def turn_needed_action_server(app: Any, sender_id: str) -> bool:
    """``True`` when the latest turn ran a custom action or a form (the action server's work).

    Without a Rasa agent (channel tests) every turn counts as needing it.
    """
    agent = getattr(getattr(app, "ctx", None), "agent", None)
    store = getattr(agent, "tracker_store", None)
    domain = getattr(agent, "domain", None)
    if store is None or domain is None:
        return True
    try:
        tracker = await store.retrieve(sender_id)
    except Exception:  # a tracker store failure is itself worth telling the resident about
        logger.exception("turn_guard_tracker_unreadable", extra={"conversation_id": sender_id})
        return True
    if tracker is None:
        return True
    remote = set(domain.user_actions_and_forms)
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, ActionExecuted) and event.action_name in remote:
            return True
    return False


class TurnGuard:
    """Runs turns for one channel and keeps what a failed turn could not handle."""

    def __init__(
        self,
        texts: ChannelTexts | None = None,
        is_action_server_up: HealthCheck = action_server_is_up,
        max_kept: int = MAX_KEPT,
        kept_for_s: float = KEPT_FOR_S,
    ) -> None:
        self.texts = texts or shared_texts()
        self._is_up = is_action_server_up
        self.kept: BoundedMap[str, KeptMessage] = BoundedMap(max_kept, ttl_s=kept_for_s)

    def words(self, app: Any = None) -> dict[str, str]:
        domain = domain_of(app)
        return {key: self.texts.get(key, domain) for key in self.texts.names()}

    def is_retry(self, text: str, app: Any = None) -> bool:
        wanted = {_NOT_WORD.sub("", w) for w in self.words(app)["retry_words"].split(",")}
        return _NOT_WORD.sub("", text) in wanted - {""}

    async def run(
        self, message: UserMessage, on_new_message: OnNewMessage, app: Any = None
    ) -> None:
        """Hand ``message`` to Rasa through ``on_new_message``; see the module docstring."""
        sender = message.sender_id
        kept = self.kept.get(sender)
        if kept is not None and self.is_retry(message.text or "", app):
            if await self._is_up(app) is False:
                await self._say(message, "still_down", app)
                return
            self.kept.pop(sender)
            logger.info("turn_guard_replay", extra={"conversation_id": sender})
            message = UserMessage(
                kept.text,
                message.output_channel,
                sender,
                input_channel=message.input_channel,
                metadata=kept.metadata,
            )
        elif kept is not None:
            self.kept.pop(sender)
        said_before = _count(message.output_channel)
        await on_new_message(message)
        if _count(message.output_channel) > said_before:
            return
        if not await turn_needed_action_server(app, sender):
            return
        if await self._is_up(app) is not False:
            return
        self.kept.set(sender, KeptMessage(message.text or "", message.metadata))
        logger.warning("turn_guard_action_server_down", extra={"conversation_id": sender})
        await self._say(message, "action_server_down", app)

    async def _say(self, message: UserMessage, key: str, app: Any) -> None:
        await message.output_channel.send_text_message(message.sender_id, self.words(app)[key])


def _count(output: Any) -> int:
    return len(getattr(output, "messages", None) or [])
