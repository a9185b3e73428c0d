"""Conversation ids that say which channel they belong to: ``<channel>:<platform id>``.

Every channel owns its namespace (``kakao:``, ``telegram:``, ``web:``, ``rest:``), so no client
can reach another channel's conversation by sending a raw id, and the identity token the backend
binds to a conversation id is bound to one channel's user. Output channels that push (Telegram,
the Kakao mailbox, the web chat's pending box) map the id back and refuse ids of other channels.
"""

from __future__ import annotations

SEPARATOR = ":"
KAKAO = "kakao"
TELEGRAM = "telegram"
WEB = "web"
REST = "rest"


def conversation_id(namespace: str, platform_id: str | int) -> str:
    """Return the Rasa sender id for ``platform_id`` in ``namespace``."""
    return f"{namespace}{SEPARATOR}{platform_id}"


def platform_id(namespace: str, conversation: str) -> str | None:
    """Return the platform id inside ``conversation``; ``None`` if it is another namespace's."""
    prefix = f"{namespace}{SEPARATOR}"
    if not isinstance(conversation, str) or not conversation.startswith(prefix):
        return None
    rest = conversation[len(prefix) :]
    return rest or None


def telegram_chat_id(conversation: str) -> int | None:
    """Return the Telegram chat id of a ``telegram:`` conversation, or ``None``."""
    raw = platform_id(TELEGRAM, conversation)
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        return None
