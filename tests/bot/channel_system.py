"""A Rasa server with the Kakao, Telegram and web chat channels, beside the test system.

The session ``system`` fixture (tests/conftest.py) runs the backend, the action server and a Rasa
server with the repository's credentials.yml. This starts one more Rasa server on the same model,
action server and backend, with a credentials file naming our channels, so the channels are tested
end to end whatever credentials.yml enables, and Telegram talks to a local fake Bot API.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml
from fake_bot_api import FakeBotApi

from bot.processes import ProcessSpec, free_port, wait_healthy

KAKAO_SECRET = "kakao-e2e-secret"
TG_TOKEN = "7000000002:AAE2eTestTokenForMinwonChannels000"
TG_SECRET = "tg-e2e-secret"


async def latest_otp(client: httpx.AsyncClient, backend_url: str, phone: str) -> str:
    """The code of the newest SMS the dev outbox holds for ``phone`` (waits up to 20 s)."""
    digits = re.sub(r"\D", "", phone)
    for _ in range(100):
        r = await client.get(f"{backend_url}/dev/sms-outbox", params={"phone": digits})
        sms = r.json() if r.status_code == 200 else []
        if sms:
            latest = sorted(sms, key=lambda m: m.get("sent_at", ""))[-1]
            found = re.search(r"(?<!\d)(\d{6})(?!\d)", latest["text"])
            if found:
                return found.group(1)
        await asyncio.sleep(0.2)
    raise AssertionError("no SMS code in the outbox")


@dataclass
class ChannelRasa:
    url: str
    log_path: Path
    is_alive: Any = None  # () -> bool


@dataclass
class Channels:
    """The Rasa server with every channel (the ``channels`` fixture in conftest.py)."""

    rasa: ChannelRasa
    telegram_api: FakeBotApi
    backend_url: str


def channel_credentials(
    kakao_secret: str, telegram_token: str, telegram_secret: str, telegram_base_url: str
) -> dict[str, Any]:
    return {
        "bot.rest_masked.MaskedRestInput": None,
        "bot.kakao.channel.KakaoInput": {"secret_header": "X-Skill-Token", "secret": kakao_secret},
        "bot.telegram.channel.TelegramInput": {
            "token": telegram_token,
            "secret_token": telegram_secret,
            "base_url": telegram_base_url,
        },
        "bot.webchat.channel.WebchatInput": None,
    }


def _replace_option(argv: list[str], option: str, value: str) -> list[str]:
    out = list(argv)
    out[out.index(option) + 1] = value
    return out


@contextmanager
def rasa_with_channels(
    rasa_spec: ProcessSpec, credentials: dict[str, Any], work_dir: Path, timeout_s: float = 600
) -> Iterator[ChannelRasa]:
    """Start a Rasa server like ``rasa_spec`` but with ``credentials`` on a free port."""
    work_dir.mkdir(parents=True, exist_ok=True)
    creds_path = work_dir / "credentials.channels.yml"
    creds_path.write_text(yaml.safe_dump(credentials, allow_unicode=True), encoding="utf-8")
    port = free_port()
    log_path = work_dir / "rasa-channels.out"
    argv = _replace_option(rasa_spec.argv, "--credentials", str(creds_path))
    argv = _replace_option(argv, "--port", str(port))
    argv = _replace_option(argv, "--log-file", str(work_dir / "rasa-channels.log"))
    with log_path.open("ab") as log:
        popen = subprocess.Popen(
            argv,
            cwd=rasa_spec.cwd,
            env=rasa_spec.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(url + "/", timeout_s, is_alive=lambda: popen.poll() is None)
        except (TimeoutError, RuntimeError) as e:
            tail = log_path.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"Rasa with channels did not start: {e}\n{tail}") from e
        yield ChannelRasa(url, log_path, lambda: popen.poll() is None)
    finally:
        if popen.poll() is None:
            popen.terminate()
            try:
                popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                popen.kill()
                popen.wait()
