"""The web chat endpoint over HTTP, and the page in Debian's chromium through Playwright."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from rasa.core.channels.channel import UserMessage
from servers import serve_sanic

from bot.webchat.channel import WebchatInput

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
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


async def post(base: str, body: Any = None, raw: bytes | None = None) -> httpx.Response:
    async with httpx.AsyncClient(timeout=10) as client:
        url = base + "/webhooks/webchat/webhook"
        if raw is not None:
            return await client.post(url, content=raw)
        return await client.post(url, json=body)


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
    async with webchat(dialogue) as (base, _):
        r = await post(base, {"sender": "web-1", "message": "등본 한 통 떼 주세요"})
        masked = await post(base, {"sender": "web-1", "message": "900101-1234567 이에요"})
    assert r.status_code == 200
    assert r.json()[0]["text"] == "어떻게 받으시겠어요?"
    assert r.json()[0]["buttons"][0] == {"title": "무인발급기", "payload": KIOSK}
    assert dialogue.seen[0].input_channel == "webchat"
    assert dialogue.seen[0].sender_id == "web-1"
    assert "1234567" not in dialogue.seen[1].text
    assert masked.status_code == 200


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"nope",
        b"[]",
        b'{"sender": "a"}',
        b'{"sender": "a b", "message": "x"}',
        b'{"sender": 5, "message": "x"}',
        b'{"sender": "a", "message": ""}',
        b'{"sender": "a", "message": ["x"]}',
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
        r = await post(base, {"sender": "web-1", "message": "x"})
    assert r.status_code == 200
    assert [m.get("text") or m["custom"]["error"] for m in r.json()] == ["partial", "turn_failed"]


async def test_pushed_message_waits_for_the_page_to_fetch_it() -> None:
    async with webchat(StubDialogue()) as (base, channel), httpx.AsyncClient() as client:
        await channel.get_output_channel().send_response("web-7", {"text": "담당 주무관이에요."})
        first = await client.get(base + "/webhooks/webchat/pending", params={"sender": "web-7"})
        second = await client.get(base + "/webhooks/webchat/pending", params={"sender": "web-7"})
    assert [m["text"] for m in first.json()] == ["담당 주무관이에요."]
    assert second.json() == []


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
            sender = await page.evaluate("localStorage.getItem('minwon-webchat-sender')")
            await page.reload()
            assert await page.evaluate("localStorage.getItem('minwon-webchat-sender')") == sender
    assert [m.text for m in dialogue.seen] == ["등본 한 통 떼 주세요", KIOSK]
    assert {m.sender_id for m in dialogue.seen} == {sender}
    assert all(u.startswith(base) for u in requested)  # nothing fetched from elsewhere


@pytest.mark.browser
async def test_staff_reply_appears_on_the_open_page() -> None:
    async with webchat(StubDialogue()) as (base, channel):
        async with browser_page(base + "/webhooks/webchat/") as page:
            sender = await page.evaluate("localStorage.getItem('minwon-webchat-sender')")
            output = channel.get_output_channel()
            await output.send_response(sender, {"text": "담당 주무관이에요. 확인해 볼게요."})
            await page.get_by_text("담당 주무관이에요. 확인해 볼게요.").wait_for(timeout=8000)
        await asyncio.sleep(0)
