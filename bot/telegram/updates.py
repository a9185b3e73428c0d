"""Classify a Telegram ``Update`` into what the channel does with it.

- ``message`` and ``edited_message`` with text go to Rasa. An edit is treated as a new message:
  a resident who fixes a typo in a phone number expects the fix to count, and Telegram shows the
  edit in place, so answering it again is what they see as natural. The metadata marks it.
- A ``callback_query`` carries a short id from our inline keyboard (``keyboard.CallbackStore``).
- Stickers, photos, voice notes, videos, documents, locations and contacts are not read: the
  resident gets a polite notice naming what was not read (``texts.yml``).
- Anything outside a private chat is not forwarded (a group is no place for identity checks).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from telegram import Message, Update

# the order matters: a voice note also has no text, a venue is also a location
MEDIA_KINDS: tuple[tuple[str, str], ...] = (
    ("sticker", "sticker"),
    ("photo", "photo"),
    ("voice", "voice"),
    ("audio", "voice"),
    ("video_note", "video"),
    ("video", "video"),
    ("animation", "video"),
    ("document", "document"),
    ("venue", "location"),
    ("location", "location"),
    ("contact", "contact"),
)

COMMAND = re.compile(r"^/(?P<name>[A-Za-z0-9_]+)(?:@[A-Za-z0-9_]+)?(?P<rest>\s.*)?$", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Incoming:
    """``kind``: ``text``, ``callback``, a notice key from ``MEDIA_KINDS``, or ``ignore``."""

    kind: str
    chat_id: int | None = None
    is_private: bool = True
    text: str = ""
    callback_id: str = ""  # callback query id, to answer it
    callback_data: str = ""
    message_id: int | None = None  # the message carrying the pressed keyboard
    pressed_title: str = ""  # the pressed button's text, read from that keyboard
    edited: bool = False


def _int(value: object) -> int | None:
    """python-telegram-bot does not check types: a forged update can carry a list as an id."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


def _media_kind(message: Message) -> str:
    for attribute, kind in MEDIA_KINDS:
        if getattr(message, attribute, None):
            return kind
    return "unsupported"


def _pressed_title(message: object, data: str) -> str:
    markup = getattr(message, "reply_markup", None)
    for row in getattr(markup, "inline_keyboard", None) or ():
        for button in row:
            if button.callback_data == data:
                return str(button.text)
    return ""


def normalise_command(text: str, start_payload: str) -> str:
    """``/start`` (Telegram's first message) becomes ``start_payload``; ``/cmd@bot`` -> ``/cmd``."""
    match = COMMAND.match(text.strip())
    if not match:
        return text
    if match.group("name") == "start":
        return start_payload
    return f"/{match.group('name')}{match.group('rest') or ''}"


def classify(update: Update, start_payload: str = "/greet") -> Incoming:
    query = update.callback_query
    if query is not None:
        message = query.message
        chat = message.chat if message is not None else None
        data = _str(query.data)
        return Incoming(
            kind="callback",
            chat_id=_int(chat.id if chat is not None else query.from_user.id),
            is_private=chat is None or chat.type == "private",
            callback_id=_str(query.id),
            callback_data=data,
            message_id=_int(message.message_id) if message is not None else None,
            pressed_title=_pressed_title(message, data),
        )
    message = update.message or update.edited_message
    if message is None:
        return Incoming(kind="ignore")  # channel posts, polls, member updates: not ours
    edited = update.message is None
    private = message.chat.type == "private"
    if message.text and isinstance(message.text, str):
        return Incoming(
            kind="text",
            chat_id=_int(message.chat.id),
            is_private=private,
            text=normalise_command(message.text, start_payload),
            message_id=_int(message.message_id),
            edited=edited,
        )
    return Incoming(
        kind=_media_kind(message),
        chat_id=_int(message.chat.id),
        is_private=private,
        message_id=_int(message.message_id),
        edited=edited,
    )
