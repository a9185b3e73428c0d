"""The handoff console with a Telegram and a KakaoTalk resident, through the console's HTTP API.

The browser flow (web chat) is tests/console/test_handoff_console.py; here the same steps run
against the channels Rasa server (local fake Telegram Bot API, Kakao skill webhook): a resident
asks for a person, a counter clerk logs in to the console, takes the ticket, reads the
transcript, replies and hands back; the bot answers the resident's next message.

The console must push through the Rasa server that has these channels, so a second backend
process runs beside the system's one, on the same database, with `MINWON_RASA_URL` naming the
channels server (a production backend names the one Rasa it sits beside).
"""

from __future__ import annotations

import asyncio
import random
import re
import secrets
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from channel_system import Channels
from test_channels_e2e import KakaoResident, TelegramResident, texts_of

from bot.processes import ProcessSpec, free_port
from tests.conftest import RunningProcess, System

pytestmark = pytest.mark.e2e

TICKET_ID = re.compile(r"접수번호(?:는)?\s*\(?\s*([0-9a-f]{12})")
ASK_FOR_PERSON = "기계 말고 사람 좀 바꿔 주세요 상담원 연결해 주세요"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_META_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


@dataclass
class Console:
    url: str
    username: str
    password: str


@pytest.fixture(scope="module")
def console(system: System, channels: Channels, tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[Console]:
    """A backend on the system's database whose Rasa is the channels server, and a clerk."""
    spec = system.processes["backend"].spec
    username, password = f"counter-{uuid.uuid4().hex[:6]}", secrets.token_urlsafe(16)
    made = subprocess.run(
        [spec.argv[0], "-m", "app.console.accounts", "add", username, "--role", "counter",
         "--name", "민원 창구"],
        input=password + "\n", text=True, capture_output=True, cwd=spec.cwd, env=spec.env,
        timeout=120, check=False,
    )
    assert made.returncode == 0, made.stderr[-2000:]
    port = free_port()
    logs = tmp_path_factory.mktemp("console-backend")
    env = {**spec.env, "MINWON_PORT": str(port), "MINWON_RASA_URL": channels.rasa.url,
           "MINWON_LOG_FILE": str(logs / "backend.log")}
    process = RunningProcess(
        ProcessSpec("console-backend", spec.argv, spec.cwd, env,
                    f"http://127.0.0.1:{port}/health"),
        logs / "backend.out",
    )
    process.start()
    try:
        yield Console(f"http://127.0.0.1:{port}", username, password)
    finally:
        process.stop()


async def console_session(client: httpx.AsyncClient, console: Console) -> dict[str, str]:
    """Log in like the browser's form does; the CSRF header for the session's requests."""
    form = await client.get(f"{console.url}/console/login")
    nonce = _CSRF.search(form.text)
    assert nonce
    done = await client.post(
        f"{console.url}/console/login",
        data={"username": console.username, "password": console.password,
              "csrf_token": nonce.group(1)},
    )
    assert done.status_code == 303, done.text
    page = await client.get(f"{console.url}/console/account", headers={"Accept": "text/html"})
    token = _META_CSRF.search(page.text)
    assert token
    return {"X-CSRF-Token": token.group(1)}


async def take_and_read(
    client: httpx.AsyncClient, console: Console, csrf: dict[str, str], ticket_id: str
) -> list[dict[str, Any]]:
    queue = (await client.get(f"{console.url}/console/handoff/queue")).json()["tickets"]
    assert ticket_id in [t["ticket_id"] for t in queue]
    taken = await client.post(f"{console.url}/console/handoff/{ticket_id}/take", headers=csrf)
    assert taken.status_code == 200, taken.text
    read = await client.get(f"{console.url}/console/handoff/{ticket_id}/transcript")
    assert read.status_code == 200, read.text
    lines: list[dict[str, Any]] = read.json()["lines"]
    return lines


async def send_reply(
    client: httpx.AsyncClient, console: Console, csrf: dict[str, str], ticket_id: str, text: str
) -> str:
    sent = await client.post(
        f"{console.url}/console/handoff/{ticket_id}/reply", headers=csrf, json={"text": text}
    )
    assert sent.status_code == 200, sent.text
    return str(sent.json()["delivery"])


async def hand_back(
    client: httpx.AsyncClient, console: Console, csrf: dict[str, str], ticket_id: str
) -> None:
    back = await client.post(
        f"{console.url}/console/handoff/{ticket_id}/handback", headers=csrf, json={}
    )
    assert back.status_code == 200, back.text


async def test_telegram_resident_hears_staff_at_once_then_the_bot_again(
    channels: Channels, console: Console
) -> None:
    chat_id = random.randrange(10**8, 9 * 10**8)
    async with httpx.AsyncClient(timeout=30) as client:
        tg = TelegramResident(client, channels.rasa.url, channels.telegram_api, chat_id)
        opened = "\n".join(c["params"]["text"] for c in await tg.say(ASK_FOR_PERSON))
        found = TICKET_ID.search(opened)
        assert found, opened
        ticket_id = found.group(1)
        csrf = await console_session(client, console)
        lines = await take_and_read(client, console, csrf, ticket_id)
        assert lines[0]["speaker"] == "resident"
        assert "사람 좀 바꿔" in lines[0]["text"]
        before = len(tg.sent())
        delivery = await send_reply(
            client, console, csrf, ticket_id, "담당 직원이에요. 무엇을 도와드릴까요?"
        )
        assert delivery == "now"
        pushed = [c["params"]["text"] for c in tg.sent()[before:]]
        assert pushed == ["[담당 직원] 담당 직원이에요. 무엇을 도와드릴까요?"]
        await hand_back(client, console, csrf, ticket_id)
        answer = await tg.say("주민등록등본 한 통 떼고 싶어요")
    assert not answer[0]["params"]["text"].startswith("[담당 직원]")


async def test_kakao_resident_gets_the_staff_reply_with_the_next_message(
    channels: Channels, console: Console
) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        kakao = KakaoResident(client, channels.rasa.url, f"e2e{random.randrange(10**12):012d}")
        opened = "\n".join(texts_of(await kakao.say(ASK_FOR_PERSON)))
        found = TICKET_ID.search(opened)
        assert found, opened
        ticket_id = found.group(1)
        csrf = await console_session(client, console)
        await take_and_read(client, console, csrf, ticket_id)
        delivery = await send_reply(
            client, console, csrf, ticket_id, "서류는 창구에서 바로 떼어 드릴 수 있어요."
        )
        assert delivery == "next_message"  # Kakao cannot be pushed to: the mailbox keeps it
        await asyncio.sleep(0.5)
        with_next = texts_of(await kakao.say("네 알겠어요"))
        assert with_next[0] == "[담당 직원] 서류는 창구에서 바로 떼어 드릴 수 있어요."
        await hand_back(client, console, csrf, ticket_id)
        answer = texts_of(await kakao.say("주민등록등본 한 통 떼고 싶어요"))
    assert answer
    assert not answer[0].startswith("[담당 직원]")
