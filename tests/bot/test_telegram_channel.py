"""The Telegram webhook over HTTP against a fake Bot API server, with a stub dialogue."""

from __future__ import annotations

import asyncio
import copy
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
import yaml
from aiohttp import web
from fake_bot_api import FakeBotApi, fake_bot_api
from rasa.core.channels.channel import UserMessage
from servers import ROOT, load_payload, serve_aiohttp, serve_sanic

import bot.telegram.channel as telegram_channel
from bot.state_store import MemoryStateStore
from bot.telegram.channel import TelegramInput
from bot.telegram.keyboard import MAX_CALLBACK_DATA_BYTES, MAX_TEXT, CallbackStore
from bot.telegram.polling import poll
from bot.turn_guard import TurnGuard, shared_texts

TOKEN = "7000000001:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
SECRET = "minwon_Webhook-secret_0123456789"
URL = "/webhooks/telegram/webhook"
CHAT = 123456789
WORDS = yaml.safe_load((ROOT / "bot/telegram/texts.yml").read_text(encoding="utf-8"))
HANGUL = re.compile(r"[\uac00-\ud7a3]")


class StubDialogue:
    def __init__(
        self, answers: dict[str, list[dict[str, Any]]] | None = None, delay_s: float = 0.0
    ) -> None:
        self.answers = answers or {}
        self.delay_s = delay_s
        self.fail = False
        self.seen: list[UserMessage] = []

    async def __call__(self, message: UserMessage) -> None:
        self.seen.append(message)
        await asyncio.sleep(self.delay_s)
        if self.fail:
            raise RuntimeError("dialogue broke")
        for m in self.answers.get(message.text, [{"text": f"echo:{message.text}"}]):
            await message.output_channel.send_response(message.sender_id, m)


@asynccontextmanager
async def telegram(
    dialogue: StubDialogue, **kwargs: Any
) -> AsyncIterator[tuple[str, FakeBotApi, TelegramInput]]:
    async with fake_bot_api(TOKEN) as api:
        channel = TelegramInput(TOKEN, secret_token=SECRET, base_url=api.base_url, **kwargs)
        async with serve_sanic([(channel.blueprint(dialogue), "/webhooks/telegram")]) as base:
            yield base, api, channel


async def post(
    base: str, body: Any, secret: str | None = SECRET, raw: bytes | None = None
) -> httpx.Response:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    async with httpx.AsyncClient(timeout=10) as client:
        if raw is not None:
            headers["Content-Type"] = "application/json"
            return await client.post(base + URL, content=raw, headers=headers)
        return await client.post(base + URL, json=body, headers=headers)


async def settle(channel: TelegramInput) -> None:
    """Wait until the background handling of every accepted update is over."""
    for _ in range(200):
        if not channel._background:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("updates still being handled")


async def test_bot_is_initialised_at_start_with_get_me() -> None:
    async with telegram(StubDialogue()) as (_, api, channel):
        await asyncio.sleep(0.05)
        assert api.named("getMe")
        assert api.named("setWebhook") == []  # no webhook_url configured
        assert channel.get_output_channel().name() == "telegram"


async def test_webhook_url_is_registered_with_the_secret_at_start() -> None:
    webhook = "https://bot.example.go.kr/webhooks/telegram/webhook"
    async with telegram(StubDialogue(), webhook_url=webhook) as (_, api, _channel):
        await asyncio.sleep(0.05)
    (call,) = api.named("setWebhook")
    assert call["url"] == webhook
    assert call["secret_token"] == SECRET
    assert call["allowed_updates"] == ["message", "edited_message", "callback_query"]


async def test_text_message_reaches_rasa_and_the_answer_has_an_inline_keyboard() -> None:
    payload = '/inform{"document":"주민등록표등본","method":"kiosk","copies":"1"}'
    dialogue = StubDialogue(
        {
            "등본 한 통 떼 주세요": [
                {
                    "text": "어떻게 받으시겠어요?",
                    "buttons": [{"title": "무인발급기", "payload": payload}],
                }
            ]
        }
    )
    async with telegram(dialogue) as (base, api, channel):
        r = await post(base, load_payload("telegram", "message_text.json"))
        await settle(channel)
    assert r.status_code == 200
    (message,) = dialogue.seen
    assert (message.text, message.sender_id, message.input_channel) == (
        "등본 한 통 떼 주세요",
        f"telegram:{CHAT}",
        "telegram",
    )
    assert message.metadata == {"telegram": {"edited": False, "button": False}}
    assert api.named("sendChatAction")[0]["action"] == "typing"
    (sent,) = api.named("sendMessage")
    assert sent["text"] == "어떻게 받으시겠어요?"
    (button,) = sent["reply_markup"]["inline_keyboard"][0]
    assert button["text"] == "무인발급기"
    assert len(button["callback_data"].encode()) <= MAX_CALLBACK_DATA_BYTES
    assert await channel.store.get(button["callback_data"]) == payload


async def test_webhook_answers_at_once_while_the_turn_is_slow() -> None:
    dialogue = StubDialogue(delay_s=1.5)
    async with telegram(dialogue) as (base, api, channel):
        loop = asyncio.get_running_loop()
        started = loop.time()
        r = await post(base, load_payload("telegram", "message_text.json"))
        elapsed = loop.time() - started
        await settle(channel)
    assert r.status_code == 200
    assert elapsed < 0.5
    assert api.sent_texts() == ["echo:등본 한 통 떼 주세요"]


async def test_start_command_becomes_a_greeting() -> None:
    dialogue = StubDialogue()
    async with telegram(dialogue) as (base, _, channel):
        await post(base, load_payload("telegram", "start_command.json"))
        await settle(channel)
    assert [m.text for m in dialogue.seen] == ["/greet"]


async def test_edited_message_is_handled_as_a_new_message() -> None:
    dialogue = StubDialogue()
    async with telegram(dialogue) as (base, api, channel):
        await post(base, load_payload("telegram", "edited_message.json"))
        await settle(channel)
    (message,) = dialogue.seen
    assert message.text == "초본 한 통 떼 주세요"
    assert message.metadata["telegram"]["edited"] is True
    assert api.sent_texts() == ["echo:초본 한 통 떼 주세요"]


async def test_button_press_is_answered_forwarded_and_the_keyboard_removed() -> None:
    dialogue = StubDialogue()
    async with telegram(dialogue) as (base, api, channel):
        channel.store.put('/inform{"method":"kiosk"}')  # the keyboard this press came from
        press = load_payload("telegram", "callback_query.json")
        await post(base, press)
        await settle(channel)
        again = copy.deepcopy(press)
        again["update_id"] += 100
        again["callback_query"]["id"] = "4382bfdwdsb323b2ff"
        await post(base, again)  # a second tap on the same keyboard
        await settle(channel)
    assert [m.text for m in dialogue.seen] == ['/inform{"method":"kiosk"}']
    assert dialogue.seen[0].metadata["telegram"]["button"] is True
    answers = api.named("answerCallbackQuery")
    assert [a["callback_query_id"] for a in answers] == ["4382bfdwdsb323b2d9", "4382bfdwdsb323b2ff"]
    assert "text" not in answers[0]
    assert answers[1]["text"] == WORDS["already_chosen"]
    (edit,) = api.named("editMessageReplyMarkup")
    assert (int(edit["chat_id"]), int(edit["message_id"])) == (CHAT, 20)


async def test_press_with_an_unknown_id_falls_back_to_the_button_title() -> None:
    dialogue = StubDialogue()
    async with telegram(dialogue) as (base, api, channel):
        await post(base, load_payload("telegram", "callback_query_unknown_id.json"))
        await settle(channel)
    assert [m.text for m in dialogue.seen] == ["주민센터 창구"]
    assert len(api.named("answerCallbackQuery")) == 1


@pytest.mark.parametrize(
    ("name", "notice"),
    [
        ("sticker.json", "sticker"),
        ("photo.json", "photo"),
        ("voice.json", "voice"),
        ("document.json", "document"),
        ("location.json", "location"),
    ],
)
async def test_media_gets_a_polite_korean_explanation_and_is_not_forwarded(
    name: str, notice: str
) -> None:
    dialogue = StubDialogue()
    async with telegram(dialogue) as (base, api, channel):
        r = await post(base, load_payload("telegram", name))
        await settle(channel)
    assert r.status_code == 200
    assert dialogue.seen == []
    assert api.sent_texts(CHAT) == [WORDS[notice]]
    assert HANGUL.search(WORDS[notice])


async def test_group_message_is_not_forwarded_and_gets_one_notice() -> None:
    dialogue = StubDialogue()
    async with telegram(dialogue) as (base, api, channel):
        group = load_payload("telegram", "group_message.json")
        await post(base, group)
        await settle(channel)
        second = copy.deepcopy(group)
        second["update_id"] += 1
        await post(base, second)
        await settle(channel)
    assert dialogue.seen == []
    assert api.sent_texts(-1001234567890) == [WORDS["group"]]


@pytest.mark.parametrize("secret", [None, "wrong", "minwon_Webhook-secret_012345678"])
async def test_wrong_or_missing_secret_is_403_and_nothing_processed(secret: str | None) -> None:
    dialogue = StubDialogue()
    async with telegram(dialogue) as (base, api, channel):
        r = await post(base, load_payload("telegram", "message_text.json"), secret=secret)
        await settle(channel)
    assert r.status_code == 403
    assert dialogue.seen == []
    assert [c["name"] for c in api.calls] == ["getMe"]


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"{",
        b"[]",
        b'{"message": {}}',
        b'{"update_id": "1"}',
        b"\xff\xfe",
        b'{"update_id": 5, "message": "x"}',
        b'{"update_id": true, "message": {}}',
        b'{"update_id": 5, "message": {"message_id": 1, "date": 1, "chat": "x", "text": "a"}}',
        b'{"update_id": 5, "callback_query": {"id": 7, "from": [], "data": {}}}',
        b"[" * 5000 + b"]" * 5000,
        b'{"update_id": 5, "x": ' + b"[" * 40 + b"]" * 40 + b"}",
    ],
)
async def test_malformed_update_is_a_400(raw: bytes) -> None:
    dialogue = StubDialogue()
    async with telegram(dialogue) as (base, _, channel):
        r = await post(base, None, raw=raw)
        await settle(channel)
    assert r.status_code == 400
    assert dialogue.seen == []


async def test_repeated_update_id_is_handled_once() -> None:
    dialogue = StubDialogue()
    async with telegram(dialogue) as (base, api, channel):
        body = load_payload("telegram", "message_text.json")
        first = await post(base, body)
        second = await post(base, body)
        await settle(channel)
    assert (first.status_code, second.status_code) == (200, 200)
    assert len(dialogue.seen) == 1
    assert len(api.sent_texts()) == 1


async def test_answer_longer_than_4096_characters_is_split() -> None:
    long_text = "\n".join(f"{i}번째 안내 문장이에요. 자세히 읽어 주세요." for i in range(300))
    dialogue = StubDialogue({"등본 한 통 떼 주세요": [{"text": long_text}]})
    async with telegram(dialogue) as (base, api, channel):
        await post(base, load_payload("telegram", "message_text.json"))
        await settle(channel)
    texts = api.sent_texts()
    assert len(texts) >= 2
    assert all(len(t) <= MAX_TEXT for t in texts)
    assert "".join("".join(texts).split()) == "".join(long_text.split())


async def test_resident_registration_number_is_masked_before_rasa() -> None:
    dialogue = StubDialogue()
    async with telegram(dialogue) as (base, _, channel):
        await post(base, load_payload("telegram", "message_rrn.json"))
        await settle(channel)
    (message,) = dialogue.seen
    assert "1234567" not in message.text


async def test_dialogue_failure_tells_the_resident_and_still_answers_200() -> None:
    dialogue = StubDialogue()
    dialogue.fail = True
    async with telegram(dialogue) as (base, api, channel):
        r = await post(base, load_payload("telegram", "message_text.json"))
        await settle(channel)
    assert r.status_code == 200
    assert api.sent_texts() == [WORDS["error"]]


async def test_staff_reply_can_be_pushed_at_any_time() -> None:
    async with telegram(StubDialogue()) as (_, api, channel):
        output = channel.get_output_channel()
        await output.send_response(
            f"telegram:{CHAT}",
            {
                "text": "담당 주무관이에요. 확인해 볼게요.",
                "buttons": [{"title": "네", "payload": "/affirm"}],
            },
        )
    (sent,) = api.named("sendMessage")
    assert int(sent["chat_id"]) == CHAT
    assert sent["text"] == "담당 주무관이에요. 확인해 볼게요."
    data = sent["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    assert data == CallbackStore.id_for("/affirm")


async def test_document_from_a_local_backend_is_uploaded_as_a_file() -> None:
    pdf = b"%PDF-1.4 minwon receipt"

    async def files(_: web.Request) -> web.Response:
        return web.Response(body=pdf, content_type="application/pdf")

    async with serve_aiohttp(files) as files_base, telegram(StubDialogue()) as (_, api, channel):
        output = channel.get_output_channel()
        doc = {
            "url": f"{files_base}/files/receipt.pdf",
            "filename": "receipt.pdf",
            "title": "접수증",
        }
        await output.send_response(f"telegram:{CHAT}", {"custom": {"document": doc}})
    (call,) = [c for c in api.calls if c["name"] == "sendDocument"]
    assert call["files"] == {"document": pdf}
    assert call["params"]["caption"] == "접수증"


async def test_polling_forwards_updates_to_the_webhook() -> None:
    dialogue = StubDialogue()
    async with telegram(dialogue) as (base, api, channel):
        api.updates = [load_payload("telegram", "message_text.json")]
        forwarded = await poll(
            TOKEN,
            base + URL,
            secret=SECRET,
            base_url=api.base_url,
            delete_webhook=True,
            max_rounds=2,
            poll_timeout_s=0,
        )
        await settle(channel)
    assert forwarded == 1
    assert [m.text for m in dialogue.seen] == ["등본 한 통 떼 주세요"]
    gets = api.named("getUpdates")
    assert gets[1]["offset"] == 912345679
    assert api.named("deleteWebhook")


def test_credentials_need_a_token() -> None:
    from rasa.shared.exceptions import RasaException

    with pytest.raises(RasaException):
        TelegramInput.from_credentials({"secret_token": "x"})
    channel = TelegramInput.from_credentials(
        {"token": TOKEN, "secret_token": SECRET, "base_url": "http://127.0.0.1:9/"}
    )
    assert channel.bot.bot.base_url == f"http://127.0.0.1:9/bot{TOKEN}"


@pytest.mark.parametrize("recipient", [str(CHAT), f"kakao:{CHAT}", f"web:{CHAT}", "telegram:x"])
async def test_a_push_to_an_id_outside_the_telegram_namespace_is_not_sent(recipient: str) -> None:
    async with telegram(StubDialogue()) as (_, api, channel):
        await channel.get_output_channel().send_response(recipient, {"text": "다른 사람에게 갈 말"})
    assert api.named("sendMessage") == []


async def test_text_with_a_lone_surrogate_is_repaired_and_answered() -> None:
    raw = json.dumps(load_payload("telegram", "message_text.json"), ensure_ascii=True)
    raw = raw.replace("\\ub4f1", "\\udc00")  # 등 becomes a lone low surrogate
    dialogue = StubDialogue()
    async with telegram(dialogue) as (base, api, channel):
        r = await post(base, None, raw=raw.encode())
        await settle(channel)
    assert r.status_code == 200
    (message,) = dialogue.seen
    assert message.text == "\ufffd본 한 통 떼 주세요"
    assert len(api.sent_texts()) == 1


async def test_body_over_the_cap_is_413_before_parsing() -> None:
    dialogue = StubDialogue()
    async with telegram(dialogue) as (base, _, channel):
        r = await post(base, None, raw=b'{"update_id": 1, "x": "' + b"a" * (1024 * 1024) + b'"}')
        await settle(channel)
    assert r.status_code == 413
    assert dialogue.seen == []


async def test_without_a_secret_outside_dev_every_update_is_refused_and_logged_once(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("MINWON_PROFILE", "production")
    dialogue = StubDialogue()
    with caplog.at_level("ERROR"):
        async with fake_bot_api(TOKEN) as api:
            channel = TelegramInput(TOKEN, secret_token="", base_url=api.base_url)
            async with serve_sanic([(channel.blueprint(dialogue), "/webhooks/telegram")]) as base:
                first = await post(base, load_payload("telegram", "message_text.json"), None)
                second = await post(base, load_payload("telegram", "start_command.json"), None)
                await settle(channel)
    assert (first.status_code, second.status_code) == (403, 403)
    assert dialogue.seen == []
    refusals = [
        r
        for r in caplog.records
        if r.getMessage() == "telegram_secret_not_configured_refusing_updates"
    ]
    assert len(refusals) == 1


async def test_without_a_secret_the_test_profile_accepts_updates() -> None:
    dialogue = StubDialogue()
    async with fake_bot_api(TOKEN) as api:
        channel = TelegramInput(TOKEN, secret_token="", base_url=api.base_url)
        async with serve_sanic([(channel.blueprint(dialogue), "/webhooks/telegram")]) as base:
            r = await post(base, load_payload("telegram", "message_text.json"), None)
            await settle(channel)
    assert r.status_code == 200
    assert len(dialogue.seen) == 1


async def test_group_notices_are_remembered_for_a_bounded_number_of_groups(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(telegram_channel, "MAX_GROUPS", 3)
    async with telegram(StubDialogue()) as (base, api, channel):
        group = load_payload("telegram", "group_message.json")
        for i in range(6):
            update = copy.deepcopy(group)
            update["update_id"] += i
            update["message"]["chat"]["id"] -= i
            await post(base, update)
            await settle(channel)
        assert len(channel._group_notices) == 3
    assert len(api.sent_texts()) == 6  # each new group was told once


async def test_seen_update_ids_are_bounded() -> None:
    channel = TelegramInput(token="123:abc")
    assert isinstance(channel._seen_updates, MemoryStateStore)  # no Redis configured
    seen = MemoryStateStore(max_keys=100)
    assert all([await seen.set_if_absent(str(i), 1, 3600) for i in range(1000)])
    assert len(seen) == 100
    assert not await seen.set_if_absent("999", 1, 3600)  # the most recent are still remembered


async def test_turn_that_fails_with_the_action_server_down_is_explained() -> None:
    async def down(_: Any) -> bool:
        return False

    async def silent(message: UserMessage) -> None:  # what Rasa does when an action fails
        return None

    async with fake_bot_api(TOKEN) as api:
        channel = TelegramInput(
            TOKEN,
            secret_token=SECRET,
            base_url=api.base_url,
            turns=TurnGuard(is_action_server_up=down),
        )
        async with serve_sanic([(channel.blueprint(silent), "/webhooks/telegram")]) as base:
            await post(base, load_payload("telegram", "message_text.json"))
            await settle(channel)
    assert api.sent_texts() == [shared_texts().get("action_server_down")]


async def test_a_press_with_ids_of_the_wrong_type_is_refused_quietly() -> None:
    dialogue = StubDialogue()
    async with telegram(dialogue) as (base, api, channel):
        press = load_payload("telegram", "callback_query.json")
        press["callback_query"]["message"]["message_id"] = [1, 2]
        press["callback_query"]["data"] = {"x": 1}
        r = await post(base, press)
        await settle(channel)
    assert r.status_code == 200
    assert dialogue.seen == []
    assert WORDS["error"] not in api.sent_texts()


def test_bot_token_urls_are_not_logged_by_httpx() -> None:
    import logging

    assert logging.getLogger("httpx").getEffectiveLevel() >= logging.WARNING
