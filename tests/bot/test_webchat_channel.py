"""The web chat endpoint over HTTP, and the page in Debian's chromium through Playwright."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from rasa.core.channels.channel import UserMessage
from servers import serve_sanic

import bot.webchat.channel as webchat_channel
from bot.turn_guard import TurnGuard, shared_texts
from bot.webchat.channel import PendingMessages, WebchatInput
from bot.webchat.session import COOKIE_NAME, WebchatSessions
from tests.browser import CHROMIUM, CHROMIUM_ARGS

KIOSK = '/inform{"method":"kiosk"}'


class StubDialogue:
    def __init__(self) -> None:
        self.seen: list[UserMessage] = []
        self.fail = False
        self.answers: dict[str, list[dict[str, Any]]] = {
            "등본 한 통 떼 주세요": [
                {
                    "text": "어떻게 받으시겠어요?",
                    "buttons": [
                        {"title": "무인발급기", "payload": KIOSK},
                        {"title": "주민센터 창구", "payload": '/inform{"method":"counter"}'},
                    ],
                }
            ],
            KIOSK: [
                {"text": "신청 내용을 확인해 주세요."},
                {
                    "custom": {
                        "card": {
                            "title": "신청 내용",
                            "fields": [
                                {"label": "서류", "value": "주민등록표 등본"},
                                {"label": "수수료", "value": "0원"},
                            ],
                        }
                    }
                },
                {"text": "이대로 신청할까요?"},
            ],
        }

    async def __call__(self, message: UserMessage) -> None:
        self.seen.append(message)
        if self.fail:
            await message.output_channel.send_response(message.sender_id, {"text": "partial"})
            raise RuntimeError("dialogue broke")
        for m in self.answers.get(message.text, [{"text": f"echo:{message.text}"}]):
            await message.output_channel.send_response(message.sender_id, m)


@asynccontextmanager
async def webchat(dialogue: StubDialogue) -> AsyncIterator[tuple[str, WebchatInput]]:
    channel = WebchatInput()
    async with serve_sanic([(channel.blueprint(dialogue), "/webhooks/webchat")]) as base:
        yield base, channel


async def post(
    base: str,
    body: Any = None,
    raw: bytes | None = None,
    client: httpx.AsyncClient | None = None,
) -> httpx.Response:
    url = base + "/webhooks/webchat/webhook"
    if client is not None:
        return await client.post(url, json=body)
    async with httpx.AsyncClient(timeout=10) as own:
        if raw is not None:
            return await own.post(url, content=raw)
        return await own.post(url, json=body)


async def test_page_is_served_self_contained_in_korean() -> None:
    async with webchat(StubDialogue()) as (base, _), httpx.AsyncClient() as client:
        r = await client.get(base + "/webhooks/webchat/")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert '<html lang="ko">' in r.text
    assert "default-src 'none'" in r.headers["content-security-policy"]
    assert not re.search(r"""(src|href)=["']https?://""", r.text)  # no CDN


async def test_message_returns_the_turn_in_rest_format_with_masking() -> None:
    dialogue = StubDialogue()
    async with webchat(dialogue) as (base, _), httpx.AsyncClient(timeout=10) as client:
        r = await post(base, {"message": "등본 한 통 떼 주세요"}, client=client)
        masked = await post(base, {"message": "900101-1234567 이에요"}, client=client)
    assert r.status_code == 200
    assert r.json()[0]["text"] == "어떻게 받으시겠어요?"
    assert r.json()[0]["buttons"][0] == {"title": "무인발급기", "payload": KIOSK}
    assert dialogue.seen[0].input_channel == "webchat"
    assert dialogue.seen[0].sender_id.startswith("web:")
    assert dialogue.seen[1].sender_id == dialogue.seen[0].sender_id  # the cookie kept it
    assert dialogue.seen[0].metadata == {"client_key": "ip:127.0.0.1"}
    assert "1234567" not in dialogue.seen[1].text
    assert masked.status_code == 200


async def test_conversation_id_comes_from_a_signed_http_only_cookie_not_the_body() -> None:
    dialogue = StubDialogue()
    async with webchat(dialogue) as (base, _), httpx.AsyncClient(timeout=10) as client:
        page = await client.get(base + "/webhooks/webchat/")
        await post(base, {"sender": "kakao:victim", "message": "안녕하세요"}, client=client)
    set_cookie = page.headers["set-cookie"]
    assert set_cookie.startswith(f"{COOKIE_NAME}=")
    for attribute in ("HttpOnly", "SameSite=Strict", "Path=/webhooks/webchat"):
        assert attribute in set_cookie
    cookie_id = page.cookies[COOKIE_NAME].split(".")[0]
    assert [m.sender_id for m in dialogue.seen] == [f"web:{cookie_id}"]


@pytest.mark.parametrize("forged", ["", "abc", "x" * 24 + ".bad", "web-1"])
async def test_a_forged_cookie_gets_a_fresh_conversation(forged: str) -> None:
    dialogue = StubDialogue()
    async with webchat(dialogue) as (base, _), httpx.AsyncClient(timeout=10) as client:
        client.cookies.set(COOKIE_NAME, forged)
        r = await post(base, {"message": "안녕하세요"}, client=client)
    assert r.status_code == 200
    assert dialogue.seen[0].sender_id != f"web:{forged}"
    assert r.cookies[COOKIE_NAME] != forged


async def test_cookie_signed_with_another_key_is_not_accepted() -> None:
    other_id, other_cookie = WebchatSessions(b"k" * 32).issue()
    dialogue = StubDialogue()
    async with webchat(dialogue) as (base, _), httpx.AsyncClient(timeout=10) as client:
        client.cookies.set(COOKIE_NAME, other_cookie)
        await post(base, {"message": "안녕하세요"}, client=client)
    assert dialogue.seen[0].sender_id != f"web:{other_id}"


async def test_new_conversation_button_gets_a_new_id() -> None:
    dialogue = StubDialogue()
    async with webchat(dialogue) as (base, _), httpx.AsyncClient(timeout=10) as client:
        await post(base, {"message": "하나"}, client=client)
        new = await client.post(base + "/webhooks/webchat/new")
        await post(base, {"message": "둘"}, client=client)
    assert new.status_code == 200
    first, second = (m.sender_id for m in dialogue.seen)
    assert first != second
    assert second.startswith("web:")


async def test_text_with_a_lone_surrogate_is_repaired_and_answered() -> None:
    dialogue = StubDialogue()
    async with webchat(dialogue) as (base, _):
        r = await post(base, raw=b'{"message": "\\ud800\\ub4f1\\ubcf8"}')
    assert r.status_code == 200
    assert [m["text"] for m in r.json()] == ["echo:\ufffd등본"]


async def test_turn_that_fails_with_the_action_server_down_is_explained_and_kept() -> None:
    async def down(_: Any) -> bool:
        return False

    seen: list[str] = []

    async def silent(message: UserMessage) -> None:  # what Rasa does when an action fails
        seen.append(message.text)

    channel = WebchatInput(turns=TurnGuard(is_action_server_up=down))
    async with (
        serve_sanic([(channel.blueprint(silent), "/webhooks/webchat")]) as base,
        httpx.AsyncClient(timeout=10) as client,
    ):
        r = await post(base, {"message": "홍길동이에요"}, client=client)
    assert [m["text"] for m in r.json()] == [shared_texts().get("action_server_down")]
    assert [k.text for k in (channel.turns.kept.get(s) for s in channel.turns.kept)] == [
        "홍길동이에요"
    ]


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"nope",
        b"[]",
        b'{"sender": "a"}',
        b'{"message": ""}',
        b'{"message": ["x"]}',
        b'{"message": null}',
        b'{"message": {"a": 1}}',
        b"[" * 5000 + b"]" * 5000,
        b'{"message": "x", "m": ' + b"[" * 40 + b"]" * 40 + b"}",
        b"\xff\xfe\x00",
    ],
)
async def test_malformed_body_is_a_400(raw: bytes) -> None:
    dialogue = StubDialogue()
    async with webchat(dialogue) as (base, _):
        r = await post(base, raw=raw)
    assert r.status_code == 400
    assert dialogue.seen == []


async def test_dialogue_failure_is_200_with_what_was_said_and_an_error_marker() -> None:
    dialogue = StubDialogue()
    dialogue.fail = True
    async with webchat(dialogue) as (base, _):
        r = await post(base, {"message": "x"})
    assert r.status_code == 200
    assert [m.get("text") or m["custom"]["error"] for m in r.json()] == ["partial", "turn_failed"]


async def test_pushed_message_waits_for_the_page_to_fetch_it() -> None:
    dialogue = StubDialogue()
    async with webchat(dialogue) as (base, channel), httpx.AsyncClient() as client:
        await post(base, {"message": "안녕하세요"}, client=client)
        sender = dialogue.seen[0].sender_id
        await channel.get_output_channel().send_response(sender, {"text": "담당 주무관이에요."})
        first = await client.get(base + "/webhooks/webchat/pending")
        second = await client.get(base + "/webhooks/webchat/pending")
    assert [m["text"] for m in first.json()] == ["담당 주무관이에요."]
    assert second.json() == []


async def test_pending_serves_only_the_cookies_conversation() -> None:
    dialogue = StubDialogue()
    async with webchat(dialogue) as (base, channel):
        async with httpx.AsyncClient() as resident:
            await post(base, {"message": "안녕하세요"}, client=resident)
        sender = dialogue.seen[0].sender_id
        await channel.get_output_channel().send_response(sender, {"text": "담당 주무관이에요."})
        async with httpx.AsyncClient() as stranger:
            by_query = await stranger.get(
                base + "/webhooks/webchat/pending", params={"sender": sender}
            )
            await stranger.get(base + "/webhooks/webchat/")  # a cookie of its own
            with_own_cookie = await stranger.get(base + "/webhooks/webchat/pending")
    assert by_query.json() == []
    assert with_own_cookie.json() == []
    assert [m["text"] for m in await channel.pending.take(sender)] == ["담당 주무관이에요."]


@pytest.mark.parametrize("recipient", ["web-7", "kakao:abc", "telegram:1", "rest:web:abc"])
async def test_a_push_to_an_id_outside_the_web_namespace_is_not_filed(recipient: str) -> None:
    channel = WebchatInput()
    await channel.get_output_channel().send_response(recipient, {"text": "다른 사람에게 갈 말"})
    assert len(channel.pending) == 0


async def test_pending_boxes_are_bounded() -> None:
    pending = PendingMessages(max_senders=5)
    for i in range(50):
        for _ in range(webchat_channel.MAX_PENDING_PER_SENDER + 5):
            await pending.put(f"web:{i}", {"text": "x"})
    assert len(pending) == 5
    assert len(await pending.take("web:49")) == webchat_channel.MAX_PENDING_PER_SENDER


# -- in a real browser -------------------------------------------------------------------------


@asynccontextmanager
async def browser_page(url: str) -> AsyncIterator[Any]:
    playwright_api = pytest.importorskip("playwright.async_api")
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (apt-get install -y chromium)")
    async with playwright_api.async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page()
            await page.goto(url)
            yield page
        finally:
            await browser.close()


@pytest.mark.browser
async def test_resident_types_a_message_clicks_a_button_and_sees_the_reply() -> None:
    dialogue = StubDialogue()
    async with webchat(dialogue) as (base, _):
        requested: list[str] = []
        async with browser_page(base + "/webhooks/webchat/") as page:
            page.on("request", lambda req: requested.append(req.url))
            assert await page.title() == "중구 민원 도우미"
            font_px = await page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
            assert font_px >= 18
            await page.fill("#text", "등본 한 통 떼 주세요")
            await page.press("#text", "Enter")
            await page.get_by_text("어떻게 받으시겠어요?").wait_for(timeout=5000)
            await page.get_by_role("button", name="무인발급기").click()
            await page.get_by_text("이대로 신청할까요?").wait_for(timeout=5000)
            assert await page.locator(".msg.me").all_inner_texts() == [
                "등본 한 통 떼 주세요",
                "무인발급기",
            ]
            assert await page.locator(".card h2").inner_text() == "신청 내용"
            assert "주민등록표 등본" in await page.locator(".card").inner_text()
            # the used keyboard cannot be pressed again
            assert await page.get_by_role("button", name="주민센터 창구").is_disabled()
            assert await page.evaluate("document.cookie") == ""  # HttpOnly: no script sees it
            await page.reload()
            await page.fill("#text", "고마워요")
            await page.press("#text", "Enter")
            await page.get_by_text("echo:고마워요").wait_for(timeout=5000)
    assert [m.text for m in dialogue.seen] == ["등본 한 통 떼 주세요", KIOSK, "고마워요"]
    assert len({m.sender_id for m in dialogue.seen}) == 1  # one conversation across a reload
    assert dialogue.seen[0].sender_id.startswith("web:")
    assert all(u.startswith(base) for u in requested)  # nothing fetched from elsewhere


@pytest.mark.browser
async def test_staff_reply_appears_on_the_open_page() -> None:
    dialogue = StubDialogue()
    async with webchat(dialogue) as (base, channel):
        async with browser_page(base + "/webhooks/webchat/") as page:
            await page.fill("#text", "안녕하세요")
            await page.press("#text", "Enter")
            await page.get_by_text("echo:안녕하세요").wait_for(timeout=5000)
            sender = dialogue.seen[0].sender_id
            output = channel.get_output_channel()
            await output.send_response(sender, {"text": "담당 주무관이에요. 확인해 볼게요."})
            await page.get_by_text("담당 주무관이에요. 확인해 볼게요.").wait_for(timeout=8000)
        await asyncio.sleep(0)
