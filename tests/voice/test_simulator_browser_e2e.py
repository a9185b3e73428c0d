"""The phone simulator page in Debian's chromium, driving the real TwiML endpoint of the running
system: dial, keypad, speech text, ``*``, hang-up; screenshot in docs/screenshots/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser import CHROMIUM, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parents[2]
# the simulator plays the bot's prompts without a click
ARGS = [*CHROMIUM_ARGS, "--autoplay-policy=no-user-gesture-required"]
SCREENSHOT = ROOT / "docs" / "screenshots" / "voice-simulator.png"


@pytest.mark.e2e
@pytest.mark.browser
async def test_the_simulator_places_a_call_with_keys_and_words(system: Any) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1100, "height": 900})
            requested: list[str] = []
            page.on("request", lambda req: requested.append(req.url))
            await page.goto(system.rasa_url + "/webhooks/voice/simulator")
            assert await page.title() == "민원 전화 시뮬레이터"
            # prompts really play (about ten seconds each at the elderly rate); faster here
            await page.evaluate("document.getElementById('player').defaultPlaybackRate = 16")
            await page.fill("#number", "010-9999-0001")  # a number no other voice test uses
            await page.click("#call")
            bot = page.locator(".entry.bot")
            await bot.filter(has_text="도우미").first.wait_for(timeout=60_000)
            await page.click("[data-key='1']")  # 증명서 발급
            await bot.filter(has_text="어떤 서류").first.wait_for(timeout=60_000)
            await page.fill("#speech", "등본이요")
            await page.click("#say")
            await bot.filter(has_text="몇 통").first.wait_for(timeout=60_000)
            before = await bot.count()
            await page.click("[data-key='*']")  # repeat the question
            # the page's CSP forbids eval, so wait_for_function cannot be used
            await bot.nth(before).wait_for(timeout=60_000)
            assert "몇 통" in (await bot.all_inner_texts())[-1]
            played = await page.evaluate("document.getElementById('player').src")
            assert played.endswith(".wav")
            assert await page.locator(".entry.caller").all_inner_texts() == [
                "키패드: 1", "말: 등본이요", "키패드: *"]
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            await page.screenshot(path=str(SCREENSHOT), full_page=True)
            await page.click("#hangup")
            assert await page.locator("#status").inner_text() == "통화 종료"
            assert all(u.startswith(system.rasa_url) for u in requested)
        finally:
            await browser.close()
