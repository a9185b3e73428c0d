"""Render a ``Reply`` as Telegram sends: texts within 4096 characters, buttons as inline keyboards.

Limits (protocols.md §2.2-2.3, ``telegram.constants``): ``sendMessage.text`` 1-4096 characters,
captions 0-1024, ``callback_data`` 1-64 bytes, at most 8 buttons per row and 100 per keyboard.
A Rasa payload such as ``/inform{"document":"family_relation"}`` can exceed 64 bytes (Korean is 3
bytes a character), so every button carries a short id and the payload stays on the server
(``CallbackStore``). Ids are derived from the payload, so the same payload always has the same id.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlparse

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.reply import Button, Card, Document, Image, Link, Reply, Text
from bot.state_store import MemoryStateStore, StateStore

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_BUTTONS_PER_ROW = 8
MAX_BUTTONS_PER_KEYBOARD = 100
SHORT_TITLE = 10  # two short buttons share a row; longer titles get a row each
CALLBACK_PREFIX = "b:"
MAX_STORED_PAYLOADS = 50_000
PAYLOADS_FOR_S = 30 * 24 * 3600.0  # an older keyboard falls back to the pressed button's title


class CallbackStore:
    """Short callback ids to Rasa payloads, in a ``StateStore`` (bot/state_store.py): bounded
    process memory, or Redis shared by every Rasa instance, so a press reaching any instance finds
    its payload. Rendering is synchronous, so ``put`` notes the id and ``save`` (awaited before the
    keyboard is sent) stores it.

    An id the store no longer knows (after a restart, or a month later) falls back to the pressed
    button's title (it is in the callback query's message), read by the NLU like typed text.
    """

    def __init__(self, max_size: int = MAX_STORED_PAYLOADS, store: StateStore | None = None) -> None:
        self._store = store or MemoryStateStore(max_size)
        self._unsaved: dict[str, str] = {}

    @staticmethod
    def id_for(payload: str) -> str:
        digest = hashlib.sha256(payload.encode("utf-8")).digest()
        return CALLBACK_PREFIX + base64.urlsafe_b64encode(digest[:12]).decode("ascii")

    def put(self, payload: str) -> str:
        callback_id = self.id_for(payload)
        self._unsaved[callback_id] = payload
        return callback_id

    async def save(self) -> None:
        while self._unsaved:
            callback_id, payload = self._unsaved.popitem()
            await self._store.set(callback_id, payload, PAYLOADS_FOR_S)

    async def get(self, callback_id: str) -> str | None:
        payload = self._unsaved.get(callback_id)
        if payload is None:
            payload = await self._store.get(callback_id)
        return payload if isinstance(payload, str) else None


def to_inline_keyboard(buttons: Sequence[Button], store: CallbackStore) -> InlineKeyboardMarkup:
    """Lay ``buttons`` out as an inline keyboard whose ``callback_data`` are short ids."""
    per_row = 2 if all(len(b.title) <= SHORT_TITLE for b in buttons) else 1
    per_row = min(per_row, MAX_BUTTONS_PER_ROW)
    rows: list[list[InlineKeyboardButton]] = []
    for start in range(0, len(buttons), per_row):
        rows.append(
            [
                InlineKeyboardButton(b.title, callback_data=store.put(b.payload))
                for b in buttons[start : start + per_row]
            ]
        )
    return InlineKeyboardMarkup(rows)


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Split ``text`` into messages of at most ``limit`` characters at the best boundary."""
    chunks: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[:limit]
        cut = -1
        for sep in ("\n\n", "\n", ". ", "? ", "! ", " "):
            pos = window.rfind(sep)
            if pos >= limit // 3:
                cut = pos + len(sep)
                break
        if cut <= 0:
            cut = limit
        chunks.append(rest[:cut].strip())
        rest = rest[cut:].strip()
    if rest:
        chunks.append(rest)
    return chunks


def is_public_url(url: str) -> bool:
    """Telegram refuses URL buttons to loopback or private hosts, and cannot fetch from them."""
    parsed = urlparse(url)
    host = parsed.hostname or ""
    if parsed.scheme not in {"http", "https"} or not host or host == "localhost":
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return "." in host
    return address.is_global


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One Bot API send: ``kind`` is ``text``, ``document`` or ``photo``."""

    kind: str
    text: str = ""  # message text, or caption for documents and photos
    url: str = ""
    filename: str = ""
    keyboard: InlineKeyboardMarkup | None = None


def render(reply: Reply, store: CallbackStore, words: Mapping[str, str]) -> list[Outgoing]:
    """Return the sends for ``reply`` in order; the buttons ride on the last one."""
    out: list[Outgoing] = []
    texts: list[str] = []

    def flush() -> None:
        message = ""
        for chunk in (c for t in texts for c in split_text(t)):
            joined = f"{message}\n\n{chunk}" if message else chunk
            if len(joined) <= MAX_TEXT:
                message = joined
            else:
                out.append(Outgoing("text", message))
                message = chunk
        if message:
            out.append(Outgoing("text", message))
        texts.clear()

    for part in reply.parts:
        if isinstance(part, Text):
            texts.append(part.text)
        elif isinstance(part, Card):
            flush()  # a card stands alone so the summary reads as one block
            texts.append("\n".join(p for p in (part.title, part.body()) if p))
            flush()
        elif isinstance(part, Link):
            if is_public_url(part.url):
                flush()
                label = part.label or words["link_label"]
                keyboard = InlineKeyboardMarkup([[InlineKeyboardButton(label, url=part.url)]])
                for chunk in split_text(part.title)[:-1]:
                    out.append(Outgoing("text", chunk))
                out.append(Outgoing("text", split_text(part.title)[-1], keyboard=keyboard))
            else:
                texts.append(f"{part.title}\n{part.url}")
        elif isinstance(part, Document):
            flush()
            caption = part.title or part.filename
            out.append(
                Outgoing("document", caption[:MAX_CAPTION], url=part.url, filename=part.filename)
            )
            if len(caption) > MAX_CAPTION:
                texts.append(caption)
        elif isinstance(part, Image):
            flush()
            out.append(Outgoing("photo", url=part.url))
    flush()

    buttons = list(reply.buttons)
    if buttons:
        first, rest = buttons[:MAX_BUTTONS_PER_KEYBOARD], buttons[MAX_BUTTONS_PER_KEYBOARD:]
        keyboard = to_inline_keyboard(first, store)
        if out and out[-1].keyboard is None and out[-1].kind == "text":
            last = out.pop()
            out.append(Outgoing("text", last.text, keyboard=keyboard))
        else:
            out.append(Outgoing("text", words["choose"], keyboard=keyboard))
        while rest:
            chunk, rest = rest[:MAX_BUTTONS_PER_KEYBOARD], rest[MAX_BUTTONS_PER_KEYBOARD:]
            out.append(Outgoing("text", words["choose"], keyboard=to_inline_keyboard(chunk, store)))
    return out
