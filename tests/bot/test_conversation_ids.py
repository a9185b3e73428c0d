"""Conversation ids carry their channel, and pushes map them back."""

from __future__ import annotations

import pytest

from bot.conversation_ids import conversation_id, platform_id, telegram_chat_id


def test_ids_are_namespaced_by_channel() -> None:
    assert conversation_id("kakao", "a1b2") == "kakao:a1b2"
    assert conversation_id("telegram", 123) == "telegram:123"


@pytest.mark.parametrize(
    ("namespace", "conversation", "expected"),
    [
        ("kakao", "kakao:a1b2", "a1b2"),
        ("kakao", "telegram:a1b2", None),
        ("kakao", "a1b2", None),
        ("kakao", "kakao:", None),
        ("web", "rest:web:abc", None),
        ("rest", "rest:web:abc", "web:abc"),
    ],
)
def test_platform_id_only_within_its_namespace(
    namespace: str, conversation: str, expected: str | None
) -> None:
    assert platform_id(namespace, conversation) == expected


@pytest.mark.parametrize(
    ("conversation", "chat_id"),
    [("telegram:123", 123), ("telegram:-100200", -100200), ("telegram:x", None), ("123", None)],
)
def test_telegram_chat_id(conversation: str, chat_id: int | None) -> None:
    assert telegram_chat_id(conversation) == chat_id
