"""Rasa input channel for Telegram: ``POST /webhooks/telegram/webhook``, built on PTB 22.

Without a secret token the webhook refuses every update (403) outside the dev and test profiles.
The webhook checks ``X-Telegram-Bot-Api-Secret-Token`` in constant time (403 before parsing),
answers 200 at once and handles the update in a background task, because Telegram redelivers an
update whose webhook call is slow or fails (protocols.md §2.1, §6.2). Repeated ``update_id``s are
ignored. Updates of one chat are handled in arrival order, as conversation ``telegram:<chat id>``,
through ``bot.turn_guard.TurnGuard``.

``get_output_channel()`` returns a ``TelegramOutput`` (``output.py``) over one shared, lazily
initialised ``telegram.Bot``, so staff replies and delivery updates can be pushed at any time from
Rasa's HTTP API, unlike Rasa's built-in channel, whose ``asyncio.run`` fails inside Sanic
(protocols.md §3.3).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from telegram import Update
from telegram.error import TelegramError

from bot.conversation_ids import TELEGRAM, conversation_id
from bot.input_guard import BodyRefused, parse_json_body, repair_text
from bot.reply import ChannelTexts, Reply
from bot.runtime_profile import is_dev_or_test
from bot.state_store import open_store
from bot.telegram.keyboard import MAX_STORED_PAYLOADS, CallbackStore
from bot.telegram.output import (
    DEFAULT_BASE_URL,
    TelegramBot,
    TelegramCollector,
    TelegramOutput,
)
from bot.telegram.updates import Incoming, classify
from bot.turn_guard import TurnGuard
from bot.turn_runner import off_loop
from nlu.pii import mask_rrn

logger = logging.getLogger(__name__)

TEXTS_FILE = Path(__file__).with_name("texts.yml")
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
MAX_BODY_BYTES = 1024 * 1024
SEEN_UPDATES_TTL_S = 24 * 3600  # Telegram keeps undelivered updates at most 24 hours
MAX_SEEN = 100_000
GROUP_NOTICE_EVERY_S = 600.0
MAX_GROUPS = 10_000
MAX_ANSWER_TEXT = 200  # answerCallbackQuery text

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


def _json(body: Any, status: int = 200) -> HTTPResponse:
    return response.json(body, status=status)


class TelegramInput(InputChannel):
    """Telegram Bot API webhook on python-telegram-bot."""

    @classmethod
    def name(cls) -> str:
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> TelegramInput:
        c = credentials or {}
        if not c.get("token"):
            cls.raise_missing_credentials_exception()
        return cls(
            token=str(c["token"]),
            secret_token=str(c.get("secret_token") or ""),
            base_url=str(c.get("base_url") or DEFAULT_BASE_URL),
            webhook_url=str(c.get("webhook_url") or ""),
            start_payload=str(c.get("start_payload") or "/greet"),
        )

    def __init__(
        self,
        token: str,
        secret_token: str = "",
        base_url: str = DEFAULT_BASE_URL,
        webhook_url: str = "",
        start_payload: str = "/greet",
        texts: ChannelTexts | None = None,
        turns: TurnGuard | None = None,
    ) -> None:
        self.secret_token = secret_token
        self.webhook_url = webhook_url
        self.start_payload = start_payload
        self.texts = texts or ChannelTexts.from_yaml("telegram", TEXTS_FILE)
        self.bot = TelegramBot(token, base_url)
        # what must hold whichever Rasa instance an update reaches lives in the state store
        # (bot/state_store.py: Redis when configured, else bounded process memory)
        self.store = CallbackStore(store=open_store("telegram-buttons", MAX_STORED_PAYLOADS))
        self._app: Sanic | None = None
        self._seen_updates = open_store("telegram-updates", MAX_SEEN)
        self._pressed = open_store("telegram-pressed", MAX_SEEN)
        # a group is told once per GROUP_NOTICE_EVERY_S: the key expires after that
        self._group_notices = open_store("telegram-groups", MAX_GROUPS)
        self.turns = turns or TurnGuard()
        self._chat_locks: dict[int, asyncio.Lock] = {}
        self._chat_users: dict[int, int] = {}
        self._background: set[asyncio.Future[Any]] = set()
        # without a secret anyone could post updates as any Telegram user: developers only
        self.refuses_all = not secret_token and not is_dev_or_test()
        if self.refuses_all:
            logger.error("telegram_secret_not_configured_refusing_updates")
        elif not secret_token:
            logger.warning("telegram_secret_not_configured")

    def get_output_channel(self) -> TelegramOutput:
        return TelegramOutput(self.bot, self.store, self.texts, lambda: self._app)

    def _check_secret(self, request: Request) -> bool:
        if self.refuses_all:
            return False
        if not self.secret_token:
            return True
        got = request.headers.get("X-Telegram-Bot-Api-Secret-Token") or ""
        return hmac.compare_digest(
            got.encode("utf-8", "surrogateescape"), self.secret_token.encode("utf-8")
        )

    async def _start(self, app: Sanic) -> None:
        self._app = app
        try:
            await self.bot.ready()
            if self.webhook_url:
                await self.bot.call(
                    "set_webhook",
                    url=self.webhook_url,
                    secret_token=self.secret_token or None,
                    allowed_updates=ALLOWED_UPDATES,
                )
                logger.info("telegram_webhook_set")
        except TelegramError as e:  # no network at start: the bot initialises on first use
            logger.warning("telegram_start_failed", extra={"error": type(e).__name__})

    async def _stop(self) -> None:
        if self._background:
            await asyncio.wait(self._background, timeout=10.0)
        await self.bot.shutdown()

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        bp = Blueprint(f"telegram_webhook_{id(self)}", __name__)
        # the turn's CPU work runs off the server's loop (bot/turn_runner.py)
        on_new_message = off_loop(on_new_message)

        @bp.listener("after_server_start")
        async def start(app: Sanic, _: Any) -> None:
            await self._start(app)

        @bp.listener("before_server_stop")
        async def stop(_: Sanic, __: Any) -> None:
            await self._stop()

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return _json({"status": "ok"})

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not self._check_secret(request):
                return _json({"error": "forbidden"}, status=403)
            try:
                data = parse_json_body(request.body, MAX_BODY_BYTES)
            except BodyRefused as e:
                return _json({"error": e.code}, status=e.status)
            update_id = data.get("update_id") if isinstance(data, dict) else None
            if not isinstance(update_id, int) or isinstance(update_id, bool):
                return _json({"error": "bad_request"}, status=400)
            try:
                update = Update.de_json(data, self.bot.bot)
                incoming = classify(update, self.start_payload)
            except Exception:  # PTB raises many kinds on a malformed update; none is ours
                logger.info("telegram_update_unreadable", extra={"update_id": update_id})
                return _json({"error": "bad_request"}, status=400)
            # SET NX: of two instances given the same update, one handles it
            if not await self._seen_updates.set_if_absent(
                str(update.update_id), 1, SEEN_UPDATES_TTL_S
            ):
                logger.info("telegram_duplicate_update", extra={"update_id": update.update_id})
                return _json({"status": "duplicate"})
            task = asyncio.ensure_future(self.process(update, on_new_message, incoming))
            self._background.add(task)
            task.add_done_callback(self._background.discard)
            return _json({"status": "ok"})

        return bp

    async def process(
        self, update: Update, on_new_message: OnNewMessage, incoming: Incoming | None = None
    ) -> None:
        """Handle one update; chats are independent, a chat's updates go in order."""
        if incoming is None:
            incoming = classify(update, self.start_payload)
        if incoming.kind == "ignore" or not isinstance(incoming.chat_id, int):
            return
        chat_id = incoming.chat_id
        lock = self._chat_locks.setdefault(chat_id, asyncio.Lock())
        self._chat_users[chat_id] = self._chat_users.get(chat_id, 0) + 1
        output = self.get_output_channel()
        try:
            async with lock:
                await self._handle_safely(update, incoming, output, on_new_message)
        finally:
            self._chat_users[chat_id] -= 1
            if self._chat_users[chat_id] == 0:  # nobody holds or waits for this chat's lock
                del self._chat_users[chat_id]
                del self._chat_locks[chat_id]

    async def _handle_safely(
        self,
        update: Update,
        incoming: Incoming,
        output: TelegramOutput,
        on_new_message: OnNewMessage,
    ) -> None:
        """Run ``_handle``; a failure is logged and the resident told, never raised (the webhook
        has long answered 200, and nobody else would see the exception)."""
        try:
            await self._handle(incoming, output, on_new_message)
        except Exception:
            logger.exception(
                "telegram_update_failed",
                extra={
                    "update_id": update.update_id,
                    "conversation_id": conversation_id(TELEGRAM, str(incoming.chat_id)),
                },
            )
            with contextlib.suppress(TelegramError):
                await output.send_notice(incoming.chat_id, "error")  # type: ignore[arg-type]

    async def _handle(
        self, incoming: Incoming, output: TelegramOutput, on_new_message: OnNewMessage
    ) -> None:
        chat_id = incoming.chat_id
        assert chat_id is not None
        words = output.words()
        if incoming.kind == "callback":
            text = await self._resolve_press(incoming, words)
            if text is None:
                return
        elif not incoming.is_private:
            await self._group_notice(chat_id, output)
            return
        elif incoming.kind == "text":
            text = incoming.text
        else:
            await output.send_notice(chat_id, incoming.kind)
            return

        with contextlib.suppress(TelegramError):  # only a courtesy
            await self.bot.call("send_chat_action", chat_id=chat_id, action="typing")
        collector = TelegramCollector()
        message = UserMessage(
            mask_rrn(repair_text(text)),
            collector,
            conversation_id(TELEGRAM, chat_id),
            input_channel=self.name(),
            metadata={
                "telegram": {
                    "edited": incoming.edited,
                    "button": incoming.kind == "callback",
                }
            },
        )
        await self.turns.run(message, on_new_message, self._app)
        await output.send_reply(chat_id, Reply.from_rasa(collector.messages))

    async def _resolve_press(self, incoming: Incoming, words: dict[str, str]) -> str | None:
        """Answer the callback query (always: it stops the client's spinner) and return the text
        for Rasa, or ``None`` when the press is not forwarded."""
        chat_id = incoming.chat_id
        answer_text: str | None = None
        text: str | None = None
        if not incoming.is_private:
            answer_text = words["group_short"]
        elif not await self._pressed.set_if_absent(
            f"{chat_id}:{incoming.message_id}", 1, SEEN_UPDATES_TTL_S
        ):
            answer_text = words["already_chosen"]  # a keyboard is used once: no double orders
        else:
            text = await self.store.get(incoming.callback_data) or incoming.pressed_title or None
        await self.bot.call(
            "answer_callback_query",
            callback_query_id=incoming.callback_id,
            text=answer_text[:MAX_ANSWER_TEXT] if answer_text else None,
            show_alert=bool(answer_text) and not incoming.is_private,
        )
        if answer_text:
            return None
        if incoming.message_id is not None:
            # take the keyboard away so it cannot be pressed twice (fails if too old: fine)
            with contextlib.suppress(TelegramError):
                await self.bot.call(
                    "edit_message_reply_markup",
                    chat_id=chat_id,
                    message_id=incoming.message_id,
                    reply_markup=None,
                )
        if text is None:
            await self.bot.call("send_message", chat_id=chat_id, text=words["button_expired"])
        return text

    async def _group_notice(self, chat_id: int, output: TelegramOutput) -> None:
        if not await self._group_notices.set_if_absent(str(chat_id), 1, GROUP_NOTICE_EVERY_S):
            return  # told within GROUP_NOTICE_EVERY_S
        await output.send_notice(chat_id, "group")
