"""The Kakao skill webhook over HTTP, with a stub dialogue in place of Rasa's agent."""

from __future__ import annotations

import asyncio
import copy
import json
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
import yaml
from aiohttp import web
from kakao_schema import skill_response_problems, visible_text
from rasa.core.channels.channel import UserMessage
from servers import ROOT, free_port, load_payload, serve_aiohttp, serve_sanic

from bot.kakao.channel import KakaoInput

WORDS = yaml.safe_load((ROOT / "bot/kakao/texts.yml").read_text(encoding="utf-8"))
HANGUL = re.compile(r"[\uac00-\ud7a3]")
URL = "/webhooks/kakao/webhook"


class StubDialogue:
    """Answers like Rasa would: through the turn's output channel, after ``delay_s``."""

    def __init__(
        self,
        answers: dict[str, list[dict[str, Any]]] | None = None,
        delay_s: float = 0.0,
        fail: bool = False,
    ) -> None:
        self.answers = answers or {}
        self.delay_s = delay_s
        self.fail = fail
        self.seen: list[UserMessage] = []
        self.finished: list[str] = []

    async def __call__(self, message: UserMessage) -> None:
        self.seen.append(message)
        await asyncio.sleep(self.delay_s)
        if self.fail:
            raise RuntimeError("dialogue broke")
        default = [{"text": f"echo:{message.text}"}]
        for m in self.answers.get(message.text, default):
            await message.output_channel.send_response(message.sender_id, m)
        self.finished.append(message.text)


@asynccontextmanager
async def kakao(dialogue: StubDialogue, **kwargs: Any) -> AsyncIterator[tuple[str, KakaoInput]]:
    channel = KakaoInput(**kwargs)
    async with serve_sanic([(channel.blueprint(dialogue), "/webhooks/kakao")]) as base:
        yield base, channel


async def post(
    base: str, body: Any, headers: dict[str, Any] | None = None, raw: bytes | None = None
) -> httpx.Response:
    async with httpx.AsyncClient(timeout=10) as client:
        if raw is not None:
            return await client.post(base + URL, content=raw, headers=headers or {})
        return await client.post(base + URL, json=body, headers=headers or {})


def texts_of(resp: dict[str, Any]) -> list[str]:
    return [c["simpleText"]["text"] for c in resp["template"]["outputs"] if "simpleText" in c]


async def test_text_turn_answers_a_valid_skill_response() -> None:
    dialogue = StubDialogue(
        {
            "주민등록등본 한 통 떼고 싶어요": [
                {
                    "text": "어떻게 받으시겠어요?",
                    "buttons": [{"title": "무인발급기", "payload": '/inform{"method":"kiosk"}'}],
                }
            ]
        }
    )
    async with kakao(dialogue) as (base, _):
        r = await post(base, load_payload("kakao", "skill_text.json"))
    assert r.status_code == 200
    body = r.json()
    assert skill_response_problems(body) == []
    assert texts_of(body) == ["어떻게 받으시겠어요?"]
    assert body["template"]["quickReplies"][0]["extra"] == {"payload": '/inform{"method":"kiosk"}'}
    (message,) = dialogue.seen
    assert message.sender_id.startswith("kakao:a1b2c3d4")
    assert message.input_channel == "kakao"
    assert message.metadata["kakao"]["trigger"] == "TEXT_INPUT"


async def test_quick_reply_press_sends_the_rasa_payload_not_the_label() -> None:
    dialogue = StubDialogue()
    async with kakao(dialogue) as (base, _):
        r = await post(base, load_payload("kakao", "skill_quick_reply.json"))
    assert r.status_code == 200
    assert [m.text for m in dialogue.seen] == ['/inform{"method":"kiosk"}']


async def test_test_console_payload_with_lang_kr_is_accepted() -> None:
    dialogue = StubDialogue()
    async with kakao(dialogue) as (base, _):
        r = await post(base, load_payload("kakao", "skill_test_console.json"))
    assert r.status_code == 200
    assert skill_response_problems(r.json()) == []


async def test_resident_registration_number_is_masked_before_rasa() -> None:
    dialogue = StubDialogue()
    async with kakao(dialogue) as (base, _):
        await post(base, load_payload("kakao", "skill_rrn.json"))
    (message,) = dialogue.seen
    assert "1234567" not in message.text
    assert "500302" not in message.text


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        ({"X-Skill-Token": "wrong"}, 403),
        ({"X-Skill-Token": "s3cret-\u00e9".encode("latin-1")}, 403),
    ],
)
async def test_wrong_or_missing_secret_is_refused_and_nothing_processed(
    headers: dict[str, Any], status: int
) -> None:
    dialogue = StubDialogue()
    async with kakao(dialogue, secret="s3cret") as (base, _):
        r = await post(base, load_payload("kakao", "skill_text.json"), headers=headers)
        ok = await post(
            base,
            load_payload("kakao", "skill_text_callback.json"),
            headers={"X-Skill-Token": "s3cret"},
        )
    assert r.status_code == status
    assert not HANGUL.search(r.text)
    # only the good request
    assert [m.sender_id[:14] for m in dialogue.seen] == ["kakao:c9d8e7f6"]
    assert ok.status_code == 200


async def test_unknown_bot_id_is_refused() -> None:
    dialogue = StubDialogue()
    async with kakao(dialogue, bot_ids=["some-other-bot"]) as (base, _):
        r = await post(base, load_payload("kakao", "skill_text.json"))
    assert r.status_code == 403
    assert dialogue.seen == []


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"not json",
        b"[]",
        b"{}",
        b'{"userRequest": []}',
        b'{"userRequest": {"utterance": "x"}}',
        b'{"userRequest": {"user": {"id": 5}, "utterance": "x"}}',
        b'{"userRequest": {"user": {"id": "u"}, "utterance": 7}}',
        b'{"userRequest": {"user": {"id": "u"}, "utterance": "x"}, "action": {"clientExtra": "x"}}',
        b'{"userRequest": {"user": {"id": "u\\ud800"}, "utterance": "x"}}',
        b'{"userRequest": {"user": {"id": "a/b"}, "utterance": "x"}}',
        b"\xff\xfe\x00",
        b"[" * 5000 + b"]" * 5000,
        b'{"userRequest": ' + b'{"a": ' * 100 + b"1" + b"}" * 101,
    ],
)
async def test_unusable_body_gets_a_polite_skill_response_and_reaches_nobody(raw: bytes) -> None:
    dialogue = StubDialogue()
    async with kakao(dialogue) as (base, _):
        r = await post(base, None, raw=raw, headers={"Content-Type": "application/json"})
    assert r.status_code == 200
    assert skill_response_problems(r.json()) == []
    assert texts_of(r.json()) == [WORDS["unreadable"]]
    assert dialogue.seen == []


@pytest.mark.parametrize("utterance", ["", "   ", None])
async def test_empty_or_photo_utterance_gets_a_polite_korean_answer(utterance: Any) -> None:
    body = load_payload("kakao", "skill_text.json")
    body["userRequest"]["utterance"] = utterance
    dialogue = StubDialogue()
    async with kakao(dialogue) as (base, _):
        r = await post(base, body)
    assert r.status_code == 200
    assert skill_response_problems(r.json()) == []
    assert texts_of(r.json()) == [WORDS["not_text"]]
    assert dialogue.seen == []


async def test_text_with_a_lone_surrogate_is_repaired_and_answered() -> None:
    raw = json.dumps(load_payload("kakao", "skill_text.json"), ensure_ascii=True)
    raw = raw.replace("\\ud55c", "\\ud800")  # the first syllable becomes a lone surrogate
    dialogue = StubDialogue()
    async with kakao(dialogue) as (base, _):
        r = await post(base, None, raw=raw.encode(), headers={"Content-Type": "application/json"})
    assert r.status_code == 200
    assert skill_response_problems(r.json()) == []
    (message,) = dialogue.seen
    assert "\ufffd" in message.text
    message.text.encode("utf-8")  # storable


async def test_without_a_secret_outside_dev_every_request_is_refused_and_logged_once(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("MINWON_PROFILE", "production")
    dialogue = StubDialogue()
    with caplog.at_level("ERROR"):
        async with kakao(dialogue) as (base, _):
            first = await post(base, load_payload("kakao", "skill_text.json"))
            second = await post(base, load_payload("kakao", "skill_quick_reply.json"))
    assert (first.status_code, second.status_code) == (403, 403)
    assert dialogue.seen == []
    errors = [
        r
        for r in caplog.records
        if r.getMessage() == "kakao_secret_not_configured_refusing_requests"
    ]
    assert len(errors) == 1


@pytest.mark.parametrize("profile", ["dev", "test"])
async def test_without_a_secret_dev_and_test_profiles_accept_requests(
    monkeypatch: pytest.MonkeyPatch, profile: str
) -> None:
    monkeypatch.setenv("MINWON_PROFILE", profile)
    dialogue = StubDialogue()
    async with kakao(dialogue) as (base, _):
        r = await post(base, load_payload("kakao", "skill_text.json"))
    assert r.status_code == 200
    assert len(dialogue.seen) == 1


async def test_dialogue_failure_is_a_polite_answer_not_a_5xx() -> None:
    dialogue = StubDialogue(fail=True)
    async with kakao(dialogue) as (base, _):
        r = await post(base, load_payload("kakao", "skill_text.json"))
    assert r.status_code == 200
    assert skill_response_problems(r.json()) == []
    assert HANGUL.search(texts_of(r.json())[0])


@asynccontextmanager
async def callback_receiver(status: str = "SUCCESS") -> AsyncIterator[tuple[str, list[Any]]]:
    received: list[Any] = []

    async def handle(request: web.Request) -> web.Response:
        received.append({"path": request.path, "body": await request.json()})
        return web.json_response(
            {
                "taskId": "b5f4b7c0-0000-4000-8000-000000000001",
                "status": status,
                "message": "",
                "timestamp": 1764000000000,
            }
        )

    async with serve_aiohttp(handle) as base:
        yield base, received


def with_callback(base: str) -> dict[str, Any]:
    body = copy.deepcopy(load_payload("kakao", "skill_text_callback.json"))
    body["userRequest"]["callbackUrl"] = f"{base}/v1/bots/64ab/callback/Ab3dEf6h"
    return body


async def wait_for(predicate: Callable[[], bool], timeout_s: float = 5.0) -> None:
    for _ in range(int(timeout_s / 0.05)):
        if predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


async def test_slow_turn_with_callback_url_answers_at_once_and_posts_once() -> None:
    dialogue = StubDialogue(delay_s=1.0)
    async with (
        callback_receiver() as (cb_base, received),
        kakao(dialogue, sync_budget_s=0.3, callback_url_prefixes=[cb_base]) as (base, _),
    ):
        loop = asyncio.get_running_loop()
        started = loop.time()
        r = await post(base, with_callback(cb_base))
        elapsed = loop.time() - started
        await wait_for(lambda: len(received) >= 1)
        await asyncio.sleep(0.3)
    assert elapsed < 0.9
    body = r.json()
    assert body["useCallback"] is True
    assert body["version"] == "2.0"
    assert HANGUL.search(body["data"]["text"])
    assert len(received) == 1
    assert received[0]["path"] == "/v1/bots/64ab/callback/Ab3dEf6h"
    assert skill_response_problems(received[0]["body"]) == []
    assert texts_of(received[0]["body"]) == ["echo:신청한 거 어떻게 됐어요?"]
    assert dialogue.finished == ["신청한 거 어떻게 됐어요?"]  # the turn was not cancelled


async def test_refused_callback_keeps_the_answer_for_the_next_message() -> None:
    dialogue = StubDialogue(delay_s=0.6)
    async with (
        callback_receiver(status="FAIL") as (cb_base, received),
        kakao(dialogue, sync_budget_s=0.2, callback_url_prefixes=[cb_base]) as (base, _),
    ):
        await post(base, with_callback(cb_base))
        await wait_for(lambda: len(received) == 1)
        dialogue.delay_s = 0
        again = with_callback(cb_base)
        again["userRequest"]["utterance"] = "고마워요"
        del again["userRequest"]["callbackUrl"]
        r = await post(base, again)
    assert texts_of(r.json()) == ["echo:신청한 거 어떻게 됐어요?\n\necho:고마워요"]


async def test_callback_url_outside_the_allowed_prefixes_is_not_called() -> None:
    dialogue = StubDialogue(delay_s=0.5)
    async with (
        callback_receiver() as (cb_base, received),
        kakao(dialogue, sync_budget_s=0.2) as (base, _),
    ):  # default prefix: bot-api.kakao.com
        r = await post(base, with_callback(cb_base))
        await asyncio.sleep(0.6)
    assert "useCallback" not in r.json()
    assert received == []


async def test_slow_turn_without_callback_says_try_shortly_and_keeps_the_answer() -> None:
    dialogue = StubDialogue(delay_s=0.6)
    async with kakao(dialogue, sync_budget_s=0.2) as (base, _):
        first = await post(base, load_payload("kakao", "skill_text.json"))
        early = await post(base, load_payload("kakao", "skill_more.json"))
        await wait_for(lambda: len(dialogue.finished) == 1)
        await asyncio.sleep(0.05)
        later = await post(base, load_payload("kakao", "skill_more.json"))
    for r in (first, early, later):
        assert skill_response_problems(r.json()) == []
    assert first.json()["template"]["quickReplies"][0]["extra"] == {"minwon_more": "1"}
    assert early.json()["template"]["quickReplies"][0]["extra"] == {"minwon_more": "1"}
    assert texts_of(later.json()) == ["echo:주민등록등본 한 통 떼고 싶어요"]
    assert len(dialogue.seen) == 1  # "show answer" never reaches the dialogue


async def test_duplicate_request_runs_one_turn_and_gets_the_same_answer() -> None:
    dialogue = StubDialogue(delay_s=0.3)
    body = load_payload("kakao", "skill_quick_reply.json")
    async with kakao(dialogue) as (base, _):
        a, b = await asyncio.gather(post(base, body), post(base, body))
        c = await post(base, body)  # within the dedupe window
    assert len(dialogue.seen) == 1
    assert a.json() == b.json() == c.json()


async def test_same_words_after_the_window_are_a_new_turn() -> None:
    dialogue = StubDialogue()
    body = load_payload("kakao", "skill_quick_reply.json")
    async with kakao(dialogue, dedupe_window_s=0.1) as (base, _):
        await post(base, body)
        await asyncio.sleep(0.25)
        await post(base, body)
    assert len(dialogue.seen) == 2


async def test_staff_message_is_delivered_with_the_next_response() -> None:
    dialogue = StubDialogue()
    async with kakao(dialogue) as (base, channel):
        sender = load_payload("kakao", "skill_text.json")["userRequest"]["user"]["id"]
        output = channel.get_output_channel()
        assert output.name() == "kakao"
        await output.send_response(f"kakao:{sender}", {"text": "담당 주무관이에요. 확인해 볼게요."})
        r = await post(base, load_payload("kakao", "skill_text.json"))
    assert texts_of(r.json()) == [
        "담당 주무관이에요. 확인해 볼게요.\n\necho:주민등록등본 한 통 떼고 싶어요"
    ]


async def test_long_answer_continues_with_more_and_then_says_nothing_more() -> None:
    long_text = "\n\n".join(f"{i}번째 안내예요. " + "자세한 설명이에요. " * 60 for i in range(6))
    dialogue = StubDialogue({"주민등록등본 한 통 떼고 싶어요": [{"text": long_text}]})
    async with kakao(dialogue) as (base, _):
        pages = [(await post(base, load_payload("kakao", "skill_text.json"))).json()]
        while pages[-1]["template"].get("quickReplies"):
            pages.append((await post(base, load_payload("kakao", "skill_more.json"))).json())
        after = (await post(base, load_payload("kakao", "skill_more.json"))).json()
    for page in pages:
        assert skill_response_problems(page) == []
    assert "".join(visible_text(p) for p in pages) == "".join(long_text.split())
    assert len(pages) == 2  # six paragraphs of ~670 characters: six bubbles, two pages
    assert texts_of(after) == [WORDS["nothing_more"]]
    assert len(dialogue.seen) == 1


async def test_response_json_is_utf8_korean() -> None:
    dialogue = StubDialogue({"주민등록등본 한 통 떼고 싶어요": [{"text": "네, 도와드릴게요."}]})
    async with kakao(dialogue) as (base, _):
        r = await post(base, load_payload("kakao", "skill_text.json"))
    assert r.headers["content-type"].startswith("application/json")
    assert "도와드릴게요".encode() in r.content
    assert json.loads(r.content)["version"] == "2.0"


async def test_answer_of_a_request_kakao_gave_up_on_waits_for_the_next_message() -> None:
    dialogue = StubDialogue(delay_s=0.8)
    async with kakao(dialogue, sync_budget_s=3.0) as (base, _):
        async with httpx.AsyncClient(timeout=0.3) as client:
            with pytest.raises(httpx.ReadTimeout):  # the caller hangs up mid-turn
                await client.post(base + URL, json=load_payload("kakao", "skill_text.json"))
        await wait_for(lambda: len(dialogue.finished) == 1)
        await asyncio.sleep(0.05)
        dialogue.delay_s = 0
        again = load_payload("kakao", "skill_text.json")
        again["userRequest"]["utterance"] = "고마워요"
        r = await post(base, again)
    assert dialogue.finished[0] == "주민등록등본 한 통 떼고 싶어요"  # the turn was not cancelled
    assert texts_of(r.json()) == ["echo:주민등록등본 한 통 떼고 싶어요\n\necho:고마워요"]


@pytest.mark.parametrize("recipient", ["{raw}", "telegram:{raw}", "web:{raw}", "rest:{raw}"])
async def test_a_push_to_an_id_outside_the_kakao_namespace_is_not_delivered(
    recipient: str,
) -> None:
    dialogue = StubDialogue()
    async with kakao(dialogue) as (base, channel):
        raw = load_payload("kakao", "skill_text.json")["userRequest"]["user"]["id"]
        await channel.get_output_channel().send_response(
            recipient.format(raw=raw), {"text": "다른 사람에게 갈 말"}
        )
        r = await post(base, load_payload("kakao", "skill_text.json"))
    assert texts_of(r.json()) == ["echo:주민등록등본 한 통 떼고 싶어요"]


async def test_action_server_down_is_said_instead_of_received() -> None:
    from bot.turn_guard import TurnGuard, shared_texts

    async def down(_: Any) -> bool:
        return False

    async def silent(message: UserMessage) -> None:  # what Rasa does when an action fails
        return None

    channel = KakaoInput(turns=TurnGuard(is_action_server_up=down))
    async with serve_sanic([(channel.blueprint(silent), "/webhooks/kakao")]) as base:
        r = await post(base, load_payload("kakao", "skill_text.json"))
    assert r.status_code == 200
    assert skill_response_problems(r.json()) == []
    assert texts_of(r.json()) == [shared_texts().get("action_server_down")]
    assert WORDS["received"] not in texts_of(r.json())


async def test_with_the_shared_state_store_down_kakao_still_gets_a_skill_response() -> None:
    from bot.kakao.mailbox import Mailbox, RecentAnswers
    from bot.state_store import RedisConnection, RedisStateStore

    down = RedisConnection(f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    dialogue = StubDialogue()
    async with kakao(dialogue) as (base, channel):
        channel.recent = RecentAnswers(3.0, RedisStateStore(down, "recent"))
        channel.mailbox = Mailbox(
            messages=RedisStateStore(down, "mail"),
            pages=RedisStateStore(down, "pages"),
            in_flight=RedisStateStore(down, "turns"),
        )
        r = await post(base, load_payload("kakao", "skill_text.json"))
    assert r.status_code == 200
    assert skill_response_problems(r.json()) == []
    assert HANGUL.search(texts_of(r.json())[0])
