"""bot/turn_guard.py: a turn that needed the action server while it was down is explained,
and the message kept for a retry."""

from __future__ import annotations

from typing import Any

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from bot.turn_guard import TurnGuard, shared_texts

WORDS = shared_texts()


class Health:
    def __init__(self, up: bool | None) -> None:
        self.up = up
        self.asked = 0

    async def __call__(self, _: Any) -> bool | None:
        self.asked += 1
        return self.up


class Dialogue:
    def __init__(self, silent: bool = False) -> None:
        self.silent = silent
        self.seen: list[str] = []

    async def __call__(self, message: UserMessage) -> None:
        self.seen.append(message.text or "")
        if not self.silent:
            await message.output_channel.send_text_message(
                message.sender_id, f"echo:{message.text}"
            )


async def turn(
    guard: TurnGuard, dialogue: Dialogue, text: str, sender: str = "rest:a"
) -> list[str]:
    out = CollectingOutputChannel()
    await guard.run(UserMessage(text, out, sender, metadata={"client_key": "ip:x"}), dialogue)
    return [m["text"] for m in out.messages]


async def test_an_answered_turn_never_asks_for_the_action_servers_health() -> None:
    health = Health(up=False)
    guard = TurnGuard(is_action_server_up=health)
    assert await turn(guard, Dialogue(), "안녕하세요") == ["echo:안녕하세요"]
    assert health.asked == 0


@pytest.mark.parametrize("up", [True, None])
async def test_a_silent_turn_with_the_server_up_or_unknown_stays_silent(up: bool | None) -> None:
    guard = TurnGuard(is_action_server_up=Health(up))
    assert await turn(guard, Dialogue(silent=True), "네") == []
    assert len(guard.kept) == 0


async def test_a_new_message_replaces_what_was_kept() -> None:
    health = Health(up=False)
    guard = TurnGuard(is_action_server_up=health)
    dialogue = Dialogue(silent=True)
    await turn(guard, dialogue, "홍길동이에요")
    health.up = True
    dialogue.silent = False
    assert await turn(guard, dialogue, "김영희예요") == ["echo:김영희예요"]
    assert len(guard.kept) == 0
    assert await turn(guard, dialogue, "다시") == ["echo:다시"]


@pytest.mark.parametrize("text", ["다시", " 다시요! ", "다시 해 주세요", "재시도"])
def test_retry_words(text: str) -> None:
    assert TurnGuard().is_retry(text)


@pytest.mark.parametrize("text", ["다시 발급해 주세요", "네", ""])
def test_not_retry_words(text: str) -> None:
    assert not TurnGuard().is_retry(text)


async def test_kept_messages_are_bounded() -> None:
    guard = TurnGuard(is_action_server_up=Health(up=False), max_kept=3)
    for i in range(10):
        await turn(guard, Dialogue(silent=True), "네", sender=f"rest:{i}")
    assert len(guard.kept) == 3


async def test_the_kept_message_keeps_its_metadata() -> None:
    health = Health(up=False)
    guard = TurnGuard(is_action_server_up=health)
    await turn(guard, Dialogue(silent=True), "네")
    (kept,) = [guard.kept.get(k) for k in guard.kept]
    assert kept is not None
    assert (kept.text, kept.metadata) == ("네", {"client_key": "ip:x"})
    assert WORDS.get("action_server_down").endswith("'다시'라고 보내 주세요.")
