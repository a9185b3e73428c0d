"""A scripted stand-in for Rasa's ``on_new_message`` in the voice core's unit tests.

Each script entry maps what Rasa receives (text or payload) to the messages the bot says, as Rasa
hands them to the output channel (with ``utter_action``). Whole calls against the real Rasa
server are in test_twiml_calls_e2e.py.
"""

from __future__ import annotations

from typing import Any

from rasa.core.channels.channel import UserMessage

Message = dict[str, Any]


def said(name: str, text: str, buttons: list[tuple[str, str]] | None = None) -> Message:
    message: Message = {"text": text, "utter_action": name}
    if buttons:
        message["buttons"] = [{"title": t, "payload": p} for t, p in buttons]
    return message


GREET = said(
    "utter_greet",
    "안녕하세요. 증명서는 일 번, 배달은 이 번, 조회는 삼 번을 눌러 주세요.",
    [("증명서 발급", "/request_certificate"), ("집으로 배달", "/request_delivery"),
     ("신청 조회", "/check_status")],
)


class FakeRasa:
    def __init__(self, script: dict[str, list[Message]] | None = None) -> None:
        self.script = script or {}
        self.received: list[UserMessage] = []

    async def __call__(self, message: UserMessage) -> None:
        self.received.append(message)
        for reply in self.script.get(message.text or "", []):
            await message.output_channel.send_response(message.sender_id, dict(reply))

    @property
    def texts(self) -> list[str]:
        return [m.text or "" for m in self.received]
