"""The handoff console in Debian's chromium against the running system (issue 12).

A resident in the web chat asks for a person. A counter clerk (an account made with the backend's
own `python -m app.console.accounts`) logs in, sees the ticket appear in the queue without
reloading, takes it and reads the transcript; a message the resident sends meanwhile appears live,
its registration number masked, and the bot stays quiet. The clerk replies, the resident's page
shows the reply, the clerk hands the conversation back, and the bot answers the resident's next
message. Screenshots go to docs/screenshots/console-handoff-*.png.
"""

from __future__ import annotations

import re
import secrets
import subprocess
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from bot.processes import BACKEND_PY, ROOT
from tests.browser import CHROMIUM, CHROMIUM_ARGS
from tests.conftest import System

pytestmark = pytest.mark.browser

SHOTS = ROOT / "docs" / "screenshots"
TICKET_ID = re.compile(r"접수번호(?:는)?\s*\(?\s*([0-9a-f]{12})")
ASK_FOR_PERSON = "기계 말고 사람 좀 바꿔 주세요 상담원 연결해 주세요"
STAFF_REPLY = "안녕하세요, 민원 담당 직원이에요. 어떤 서류 때문에 그러세요?"
WAIT_MS = 20_000


def add_console_account(system: System, role: str, name: str) -> tuple[str, str]:
    """A staff account in the running backend, made the way a district makes one."""
    username = f"{role}-{uuid.uuid4().hex[:6]}"
    password = secrets.token_urlsafe(16)
    spec = system.processes["backend"].spec
    done = subprocess.run(
        [str(BACKEND_PY), "-m", "app.console.accounts", "add", username, "--role", role,
         "--name", name],
        input=password + "\n", text=True, capture_output=True, cwd=spec.cwd, env=spec.env,
        timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return username, password


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                     headless=True)
        yield chromium
        chromium.close()


def test_resident_gets_a_person_and_the_bot_back(browser: Any, system: System) -> None:
    from playwright.sync_api import expect

    SHOTS.mkdir(parents=True, exist_ok=True)
    username, password = add_console_account(system, "counter", "민원 창구 김민원")

    staff = browser.new_context(viewport={"width": 1280, "height": 860}, locale="ko-KR").new_page()
    staff.goto(f"{system.backend_url}/console/login")
    staff.fill("input[name=username]", username)
    staff.fill("input[name=password]", password)
    staff.screenshot(path=str(SHOTS / "console-handoff-login.png"))
    staff.click("button[type=submit]")
    staff.wait_for_url(re.compile(r"/console/handoff$"))
    staff.evaluate("window.__sameDocument = true")  # gone if the page reloads

    resident = browser.new_context(viewport={"width": 420, "height": 820},
                                   locale="ko-KR").new_page()
    resident.goto(f"{system.rasa_url}/webhooks/webchat/")
    resident.fill("#text", ASK_FOR_PERSON)
    resident.press("#text", "Enter")
    opened = resident.locator(".msg.bot", has_text="접수번호")
    expect(opened).to_be_visible(timeout=WAIT_MS)
    found = TICKET_ID.search(opened.inner_text())
    assert found, opened.inner_text()
    ticket_id = found.group(1)

    # the ticket appears in the open queue by itself (server-sent events, no reload)
    row = staff.locator(f"tr[data-ticket='{ticket_id}']")
    expect(row).to_be_visible(timeout=WAIT_MS)
    assert staff.evaluate("window.__sameDocument === true")
    expect(row).to_contain_text("웹 채팅")
    expect(row).to_contain_text("직원 연결 요청")
    staff.screenshot(path=str(SHOTS / "console-handoff-queue.png"))

    row.locator("button[data-take]").click()
    staff.wait_for_url(re.compile(f"/console/handoff/{ticket_id}$"))
    transcript = staff.locator("#transcript")
    expect(transcript.locator("li.resident", has_text="사람 좀 바꿔")).to_be_visible()
    expect(transcript.locator("li.bot", has_text="접수번호")).to_be_visible()

    # the resident writes while a person has the conversation: it shows up live, masked, and
    # the bot does not answer
    bot_before = resident.locator(".msg.bot").count()
    resident.fill("#text", "제 주민번호는 900101-1234567 이에요 등본 때문에요")
    resident.press("#text", "Enter")
    live = transcript.locator("li.resident", has_text="등본 때문에요")
    expect(live).to_be_visible(timeout=WAIT_MS)
    assert "1234567" not in live.inner_text()
    assert "1234567" not in staff.content()

    staff.fill("#reply-text", STAFF_REPLY)
    staff.click("#reply-form button[type=submit]")
    expect(staff.locator("#notice")).to_contain_text("바로 전달돼요", timeout=WAIT_MS)
    expect(transcript.locator("li.staff", has_text="어떤 서류")).to_be_visible(timeout=WAIT_MS)
    staff.screenshot(path=str(SHOTS / "console-handoff-ticket.png"), full_page=True)

    reply = resident.locator(".msg.bot", has_text="어떤 서류 때문에 그러세요")
    expect(reply).to_be_visible(timeout=WAIT_MS)  # the page fetches pushes every 3 s
    assert reply.inner_text().startswith("[담당 직원]")
    assert resident.locator(".msg.bot").count() == bot_before + 1  # the bot itself stayed quiet
    resident.screenshot(path=str(SHOTS / "console-handoff-resident.png"))

    staff.click("#hand-back")
    expect(staff.locator("#notice")).to_contain_text("챗봇에게 돌려줬어요", timeout=WAIT_MS)
    expect(staff.locator("#ticket-status")).to_have_text("종료", timeout=WAIT_MS)

    answered = resident.locator(".msg.bot").count()
    resident.fill("#text", "주민등록등본 한 통 떼고 싶어요")
    resident.press("#text", "Enter")
    expect(resident.locator(".msg.bot").nth(answered)).to_be_visible(timeout=WAIT_MS)
    assert not resident.locator(".msg.bot").nth(answered).inner_text().startswith("[담당 직원]")

    staff.goto(f"{system.backend_url}/console/handoff")
    expect(staff.locator(f"tr[data-ticket='{ticket_id}']")).to_have_count(0)
