"""Sending to Telegram: one shared ``telegram.Bot`` and the Rasa output channels over it.

``TelegramOutput`` renders a ``Reply`` (bot/telegram/keyboard.py) and sends it through the bot; it
is what Rasa gets from ``TelegramInput.get_output_channel()`` to push staff replies at any time,
and what the webhook uses to answer a turn. Rasa addresses a push to the conversation id
(``telegram:<chat id>``); it is mapped back to the chat id, and any other id is refused.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import httpx
from rasa.core.channels.channel import CollectingOutputChannel, OutputChannel
from telegram import Bot, InputFile
from telegram.error import Forbidden, RetryAfter

from bot.conversation_ids import telegram_chat_id
from bot.reply import ChannelTexts, Reply, domain_of
from bot.telegram.keyboard import CallbackStore, Outgoing, is_public_url, render

logger = logging.getLogger(__name__)
# httpx logs every request URL at INFO, and a Bot API URL carries the bot token: keep it out of logs
logging.getLogger("httpx").setLevel(logging.WARNING)

DEFAULT_BASE_URL = "https://api.telegram.org"
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024  # what Telegram itself fetches or a bot downloads


class TelegramBot:
    """One ``telegram.Bot`` for the process, initialised (``getMe``) on first use."""

    def __init__(self, token: str, base_url: str = DEFAULT_BASE_URL) -> None:
        base = (base_url or DEFAULT_BASE_URL).rstrip("/")
        self.bot = Bot(token, base_url=f"{base}/bot", base_file_url=f"{base}/file/bot")
        self._lock: asyncio.Lock | None = None
        self._ready = False

    async def ready(self) -> Bot:
        if self._ready:
            return self.bot
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if not self._ready:
                await self.bot.initialize()
                self._ready = True
        return self.bot

    async def shutdown(self) -> None:
        if self._ready:
            self._ready = False
            await self.bot.shutdown()

    async def call(self, method: str, **kwargs: Any) -> Any:
        """Call a Bot method, waiting once when Telegram asks to slow down (429)."""
        bot = await self.ready()
        try:
            return await getattr(bot, method)(**kwargs)
        except RetryAfter as e:
            delay = e.retry_after
            delay_s = delay.total_seconds() if hasattr(delay, "total_seconds") else float(delay)
            logger.warning("telegram_rate_limited", extra={"retry_after_s": delay_s})
            await asyncio.sleep(min(delay_s, 30.0))
            return await getattr(bot, method)(**kwargs)


class TelegramCollector(CollectingOutputChannel):
    """Collects one turn's messages under the name ``telegram`` (for ``channel:`` variations),
    keeping each text whole: the renderer decides where messages break."""

    @classmethod
    def name(cls) -> str:
        return "telegram"

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._persist_message(self._message(recipient_id, text=text.strip()))


class TelegramOutput(OutputChannel):
    """Sends a ``Reply`` (or a pushed Rasa message) to a chat through the shared bot."""

    def __init__(
        self,
        bot: TelegramBot,
        store: CallbackStore,
        texts: ChannelTexts,
        app: Callable[[], Any] = lambda: None,
    ) -> None:
        self.bot = bot
        self.store = store
        self.texts = texts
        self._app = app

    @classmethod
    def name(cls) -> str:
        return "telegram"

    def words(self) -> dict[str, str]:
        domain = domain_of(self._app())
        return {key: self.texts.get(key, domain) for key in self.texts.names()}

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        """Rasa's entry point for pushed messages (staff replies): one message dict at a time,
        addressed to a ``telegram:<chat id>`` conversation."""
        chat_id = telegram_chat_id(recipient_id)
        if chat_id is None:
            logger.warning("telegram_push_not_a_telegram_conversation")
            return
        await self.send_reply(chat_id, Reply.from_rasa([message]))

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text})

    async def send_reply(self, chat_id: int | str, reply: Reply) -> None:
        sends = render(reply, self.store, self.words())
        await self.store.save()  # every instance must know the buttons before they are pressed
        for outgoing in sends:
            await self._send(chat_id, outgoing)

    async def send_notice(self, chat_id: int | str, key: str) -> None:
        await self.send_reply(chat_id, Reply.of(self.words()[key]))

    async def _send(self, chat_id: int | str, out: Outgoing) -> None:
        try:
            if out.kind == "text":
                await self.bot.call(
                    "send_message", chat_id=chat_id, text=out.text, reply_markup=out.keyboard
                )
            elif out.kind == "photo":
                await self.bot.call("send_photo", chat_id=chat_id, photo=out.url)
            elif out.kind == "document":
                await self._send_document(chat_id, out)
        except Forbidden:
            logger.info("telegram_chat_blocked_bot", extra={"conversation_id": str(chat_id)})

    async def _send_document(self, chat_id: int | str, out: Outgoing) -> None:
        """Telegram fetches public URLs itself; a file on a local backend is uploaded by us."""
        caption = out.text or None
        if is_public_url(out.url):
            await self.bot.call(
                "send_document",
                chat_id=chat_id,
                document=out.url,
                caption=caption,
                reply_markup=out.keyboard,
            )
            return
        try:
            async with httpx.AsyncClient(timeout=15.0) as client:
                fetched = await client.get(out.url)
                fetched.raise_for_status()
            if len(fetched.content) > MAX_DOCUMENT_BYTES:
                raise ValueError("document too large")
        except (httpx.HTTPError, ValueError):
            logger.warning("telegram_document_unavailable", extra={"conversation_id": str(chat_id)})
            await self.bot.call(
                "send_message",
                chat_id=chat_id,
                text=f"{caption or ''}\n{out.url}".strip(),
                reply_markup=out.keyboard,
            )
            return
        filename = out.filename or out.url.rsplit("/", 1)[-1] or "document"
        await self.bot.call(
            "send_document",
            chat_id=chat_id,
            document=InputFile(fetched.content, filename=filename),
            caption=caption,
            reply_markup=out.keyboard,
        )
