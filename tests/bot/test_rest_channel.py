"""The REST channel over HTTP with a stub dialogue: Rasa's format, dev and test only, ids
namespaced, bodies checked at the door."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from rasa.core.channels.channel import UserMessage
from servers import serve_sanic

from bot.rest_masked import MAX_BODY_BYTES, MaskedRestInput
from bot.turn_guard import TurnGuard, shared_texts

URL = "/webhooks/rest/webhook"


class StubDialogue:
    def __init__(self) -> None:
        self.seen: list[UserMessage] = []
        self.fail = False
        self.silent = False

    async def __call__(self, message: UserMessage) -> None:
        self.seen.append(message)
        if self.fail:
            raise RuntimeError("dialogue broke")
        if not self.silent:
            await message.output_channel.send_response(
                message.sender_id, {"text": f"echo:{message.text}"}
            )


@asynccontextmanager
async def rest(
    dialogue: StubDialogue, channel: MaskedRestInput | None = None
) -> AsyncIterator[str]:
    channel = channel or MaskedRestInput()
    async with serve_sanic([(channel.blueprint(dialogue), "/webhooks/rest")]) as base:
        yield base


async def post(
    base: str, body: Any = None, raw: bytes | None = None, headers: dict[str, str] | None = None
) -> httpx.Response:
    async with httpx.AsyncClient(timeout=10) as client:
        if raw is not None:
            return await client.post(base + URL, content=raw, headers=headers)
        return await client.post(base + URL, json=body, headers=headers)


async def test_message_gets_rasas_rest_format_under_a_rest_namespaced_id() -> None:
    dialogue = StubDialogue()
    async with rest(dialogue) as base:
        r = await post(base, {"sender": "dev-1", "message": "900101-1234567 등본"})
    assert r.status_code == 200
    ((answer,),) = (r.json(),)
    assert answer["recipient_id"] == "rest:dev-1"
    assert answer["text"].startswith("echo:")
    assert answer["text"].endswith(" 등본")
    assert "1234567" not in answer["text"]
    (message,) = dialogue.seen
    assert (message.sender_id, message.input_channel) == ("rest:dev-1", "rest")


@pytest.mark.parametrize("sender", ["kakao:a1b2", "telegram:123", "web:abc"])
async def test_a_rest_client_cannot_reach_another_channels_conversation(sender: str) -> None:
    dialogue = StubDialogue()
    async with rest(dialogue) as base:
        await post(base, {"sender": sender, "message": "내 신청 보여 줘", "input_channel": "kakao"})
    (message,) = dialogue.seen
    assert message.sender_id == f"rest:{sender}"
    assert message.input_channel == "rest"  # input_channel from the body is ignored


async def test_client_key_is_set_by_the_server_not_the_body() -> None:
    dialogue = StubDialogue()
    async with rest(dialogue) as base:
        await post(
            base,
            {"sender": "dev-1", "message": "x", "metadata": {"client_key": "ip:1.2.3.4", "a": 1}},
            headers={"X-Forwarded-For": "5.6.7.8"},  # not from a trusted proxy: ignored
        )
    assert dialogue.seen[0].metadata == {"client_key": "ip:127.0.0.1", "a": 1}


async def test_forwarded_for_counts_when_the_peer_is_a_trusted_proxy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MINWON_TRUSTED_PROXIES", "127.0.0.1/32")
    dialogue = StubDialogue()
    async with rest(dialogue) as base:
        await post(
            base,
            {"sender": "dev-1", "message": "x"},
            headers={"X-Forwarded-For": "9.9.9.9, 5.6.7.8"},
        )
    assert dialogue.seen[0].metadata["client_key"] == "ip:5.6.7.8"


@pytest.mark.parametrize("profile", ["production", "staging", ""])
async def test_outside_dev_and_test_the_rest_channel_does_not_exist(
    monkeypatch: pytest.MonkeyPatch, profile: str
) -> None:
    if profile:
        monkeypatch.setenv("MINWON_PROFILE", profile)
    else:
        monkeypatch.delenv("MINWON_PROFILE")
    dialogue = StubDialogue()
    async with rest(dialogue) as base, httpx.AsyncClient() as client:
        r = await post(base, {"sender": "dev-1", "message": "x"})
        health = await client.get(base + "/webhooks/rest/")
    assert (r.status_code, health.status_code) == (404, 404)
    assert dialogue.seen == []


async def test_text_with_a_lone_surrogate_gets_an_answer_not_an_empty_list() -> None:
    dialogue = StubDialogue()
    async with rest(dialogue) as base:
        r = await post(base, raw=b'{"sender": "dev-1", "message": "\\ud800\\ub4f1\\ubcf8"}')
    assert r.status_code == 200
    assert [m["text"] for m in r.json()] == ["echo:\ufffd등본"]


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"nope",
        b"[]",
        b'{"message": "x"}',
        b'{"sender": "dev-1"}',
        b'{"sender": "\\ud800", "message": "x"}',
        b'{"sender": "a\\udfff", "message": "x"}',
        b'{"sender": "a/b", "message": "x"}',
        b'{"sender": "a b", "message": "x"}',
        b'{"sender": "", "message": "x"}',
        b'{"sender": true, "message": "x"}',
        b'{"sender": ["a"], "message": "x"}',
        b'{"sender": "a", "message": 5}',
        b'{"sender": "a", "message": "x", "metadata": []}',
        b'{"sender": "a", "message": "x", "metadata": {"k": "\\ud800"}}',
        b"[" * 5000 + b"]" * 5000,
        b'{"sender": "a", "message": "x", "metadata": ' + b'{"a": ' * 40 + b"1" + b"}" * 41,
        b"\xff\xfe\x00",
    ],
)
async def test_malformed_body_is_a_400_and_reaches_nobody(raw: bytes) -> None:
    dialogue = StubDialogue()
    async with rest(dialogue) as base:
        r = await post(base, raw=raw)
    assert r.status_code == 400
    assert dialogue.seen == []


async def test_body_over_the_cap_is_413_before_parsing() -> None:
    dialogue = StubDialogue()
    async with rest(dialogue) as base:
        r = await post(base, raw=b'{"sender": "a", "message": "' + b"x" * MAX_BODY_BYTES + b'"}')
    assert r.status_code == 413
    assert dialogue.seen == []


async def test_dialogue_failure_is_a_polite_answer_not_a_500() -> None:
    dialogue = StubDialogue()
    dialogue.fail = True
    async with rest(dialogue) as base:
        r = await post(base, {"sender": "dev-1", "message": "x"})
    assert r.status_code == 200
    assert [m["text"] for m in r.json()] == [shared_texts().get("error")]


async def test_action_server_down_is_said_and_the_answer_replayed_on_retry() -> None:
    state = {"up": False}

    async def health(_: Any) -> bool:
        return state["up"]

    dialogue = StubDialogue()
    dialogue.silent = True
    channel = MaskedRestInput(turns=TurnGuard(is_action_server_up=health))
    words = shared_texts()
    async with rest(dialogue, channel) as base:
        down = await post(base, {"sender": "dev-1", "message": "홍길동이에요"})
        still = await post(base, {"sender": "dev-1", "message": "다시"})
        state["up"] = True
        dialogue.silent = False
        again = await post(base, {"sender": "dev-1", "message": "다시요!"})
        after = await post(base, {"sender": "dev-1", "message": "다시"})
    assert [m["text"] for m in down.json()] == [words.get("action_server_down")]
    assert [m["text"] for m in still.json()] == [words.get("still_down")]
    assert [m["text"] for m in again.json()] == ["echo:홍길동이에요"]  # the kept answer
    assert [m["text"] for m in after.json()] == ["echo:다시"]  # nothing kept any more
    assert [m.text for m in dialogue.seen] == ["홍길동이에요", "홍길동이에요", "다시"]
