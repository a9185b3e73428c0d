"""A full certificate order through Kakao and through Telegram, end to end.

Real Rasa server (trained model, action server, backend in the dev profile), real channel code,
recorded payload formats; the identity code is read from the backend's SMS outbox. The resident
answers whatever the bot asks (by the question's wording), pressing buttons where offered, so the
test follows the dialogue rather than fixing its order.
"""

from __future__ import annotations

import asyncio
import random
import re
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from channel_system import KAKAO_SECRET, TG_SECRET, Channels, latest_otp
from fake_bot_api import FakeBotApi
from kakao_schema import skill_response_problems
from bot.rasa_auth import rasa_auth_headers
from tests.system_secrets import SERVICE_TOKEN

from servers import kakao_text_body

pytestmark = pytest.mark.e2e

# The backend throttles look-ups by number per conversation, so the check names one of its own.
BACKEND_CHECK_HEADERS = {
    "Authorization": f"Bearer {SERVICE_TOKEN}",
    "X-Conversation-Id": "e2e-check",
}
ORDER_NUMBER = re.compile(r"신청번호[^0-9]{0,6}(\d{8})")
MAX_TURNS = 20


@dataclass
class Resident:
    name: str
    birth_date: str  # as a resident would type it
    phone: str


# (marker in the bot's question, (action, value)); the first marker found in the last paragraph
# of the bot's answer decides. Buttons are matched by a part of their title.
def script_for(resident: Resident) -> list[tuple[str, tuple[str, str]]]:
    return [
        ("인증번호 여섯 자리", ("otp", "")),
        ("휴대전화", ("text", resident.phone)),
        ("생년월일", ("text", resident.birth_date)),
        ("성함", ("text", resident.name)),
        ("이대로 신청할까요", ("button", "네")),
        ("어떻게 받으시겠어요", ("button", "무인민원발급기")),
        ("몇 통", ("button", "한 통")),
        ("어떤 서류", ("button", "주민등록표 등본")),
    ]


def last_paragraph(texts: list[str]) -> str:
    paragraphs = [p.strip() for t in texts for p in t.split("\n\n") if p.strip()]
    return paragraphs[-1] if paragraphs else ""


def decide(script: list[tuple[str, tuple[str, str]]], question: str) -> tuple[str, str]:
    """The first script row whose marker is in ``question`` wins for the code question (its
    hint names the other fields); otherwise the marker nearest the end, i.e. what is asked last
    ("... 이름, 생년월일, 휴대전화 번호를 여쭤볼게요. 먼저 성함이 어떻게 되세요?" asks the name)."""
    marker, action = script[0]
    if marker in question:
        return action
    found = [(question.rfind(m), a) for m, a in script[1:] if m in question]
    if not found:
        raise AssertionError(f"unexpected question: {question!r}")
    return max(found, key=lambda f: f[0])[1]


# -- Kakao -----------------------------------------------------------------------------------


@dataclass
class KakaoResident:
    client: httpx.AsyncClient
    url: str
    user_id: str
    transcript: list[str] = field(default_factory=list)

    def body(self, utterance: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
        return kakao_text_body(self.user_id, utterance, extra)

    async def post(self, body: dict[str, Any]) -> dict[str, Any]:
        r = await self.client.post(
            self.url + "/webhooks/kakao/webhook", json=body, headers={"X-Skill-Token": KAKAO_SECRET}
        )
        assert r.status_code == 200, r.text
        answer = r.json()
        assert skill_response_problems(answer) == [], answer
        return answer

    async def say(self, utterance: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
        self.transcript.append(f"> {utterance}")
        answer = await self.post(self.body(utterance, extra))
        for _ in range(30):  # a slow turn: press "show answer" until it is there
            quick = answer["template"].get("quickReplies", [])
            if not any("minwon_more" in q.get("extra", {}) for q in quick) or len(quick) > 1:
                break
            await asyncio.sleep(1.0)
            answer = await self.post(self.body(quick[0]["messageText"], quick[0]["extra"]))
        self.transcript.extend(f"< {t}" for t in texts_of(answer))
        return answer


def texts_of(answer: dict[str, Any]) -> list[str]:
    texts = []
    for comp in answer["template"]["outputs"]:
        body = next(iter(comp.values()))
        texts.extend(body[k] for k in ("title", "text", "description") if k in body)
    return texts


async def test_certificate_order_through_kakao(channels: Channels) -> None:
    resident = Resident("이민준", "1990년 7월 15일", "010-2345-6789")
    script = script_for(resident)
    async with httpx.AsyncClient(timeout=30) as client:
        kakao = KakaoResident(client, channels.rasa.url, f"e2e{random.randrange(10**12):012d}")
        answer = await kakao.say("주민등록등본 한 통 떼 주세요")
        order_number = ""
        for _ in range(MAX_TURNS):
            found = ORDER_NUMBER.search("\n".join(texts_of(answer)))
            if found:
                order_number = found.group(1)
                break
            action, value = decide(script, last_paragraph(texts_of(answer)))
            if action == "otp":
                answer = await kakao.say(
                    await latest_otp(client, channels.backend_url, resident.phone)
                )
            elif action == "button":
                quick = answer["template"].get("quickReplies", [])
                press = next((q for q in quick if value in q["messageText"]), None)
                if press is None:
                    answer = await kakao.say(value)
                elif value == "네":  # the confirmation, delivered twice: one order, one answer
                    body = kakao.body(press["messageText"], press["extra"])
                    first, second = await asyncio.gather(kakao.post(body), kakao.post(body))
                    assert first == second
                    answer = first
                    kakao.transcript.extend(f"< {t}" for t in texts_of(answer))
                else:
                    answer = await kakao.say(press["messageText"], press["extra"])
            else:
                answer = await kakao.say(value)
        assert order_number, "\n".join(kakao.transcript)
        status = await client.get(
            f"{channels.backend_url}/api/v1/orders/{order_number}",
            headers=BACKEND_CHECK_HEADERS,
        )
    assert status.status_code == 200, status.text
    assert status.json()["method"] == "kiosk"


# -- Telegram --------------------------------------------------------------------------------


@dataclass
class TelegramResident:
    client: httpx.AsyncClient
    url: str
    api: FakeBotApi
    chat_id: int
    update_id: int = field(default_factory=lambda: random.randrange(10**8, 9 * 10**8))
    transcript: list[str] = field(default_factory=list)

    def sent(self) -> list[dict[str, Any]]:
        return [
            c
            for c in list(self.api.calls)
            if c["name"] == "sendMessage" and int(c["params"]["chat_id"]) == self.chat_id
        ]

    async def post(self, update: dict[str, Any]) -> list[dict[str, Any]]:
        before = len(self.sent())
        self.update_id += 1
        update["update_id"] = self.update_id
        r = await self.client.post(
            self.url + "/webhooks/telegram/webhook",
            json=update,
            headers={"X-Telegram-Bot-Api-Secret-Token": TG_SECRET},
        )
        assert r.status_code == 200, r.text
        stable_since, count = 0.0, before
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 30
        while loop.time() < deadline:
            await asyncio.sleep(0.1)
            now_count = len(self.sent())
            if now_count != count:
                count, stable_since = now_count, loop.time()
            elif count > before and loop.time() - stable_since > 0.8:
                break
        new = self.sent()[before:]
        assert new, "the bot did not answer:\n" + "\n".join(self.transcript)
        self.transcript.extend(f"< {c['params']['text']}" for c in new)
        return new

    def _user(self) -> dict[str, Any]:
        return {"id": self.chat_id, "is_bot": False, "first_name": "E2E", "language_code": "ko"}

    def _chat(self) -> dict[str, Any]:
        return {"id": self.chat_id, "first_name": "E2E", "type": "private"}

    async def say(self, text: str) -> list[dict[str, Any]]:
        self.transcript.append(f"> {text}")
        message = {
            "message_id": self.update_id % 100000,
            "from": self._user(),
            "chat": self._chat(),
            "date": 1764050400,
            "text": text,
        }
        return await self.post({"message": message})

    async def press(self, call: dict[str, Any], button: dict[str, Any]) -> list[dict[str, Any]]:
        self.transcript.append(f"> [{button['text']}]")
        carrying = {
            "message_id": call["result"]["message_id"],
            "from": {"id": 7000000001, "is_bot": True, "first_name": "minwon"},
            "chat": self._chat(),
            "date": 1764050400,
            "text": call["params"]["text"],
            "reply_markup": call["params"]["reply_markup"],
        }
        query = {
            "id": f"{self.update_id}77",
            "from": self._user(),
            "message": carrying,
            "chat_instance": "-42",
            "data": button["callback_data"],
        }
        return await self.post({"callback_query": query})


async def order_through_telegram(
    client: httpx.AsyncClient, channels: Channels, tg: TelegramResident, resident: Resident
) -> str:
    """Order a certificate as ``resident`` in ``tg``'s chat (identity confirmed on the way);
    return the order number."""
    script = script_for(resident)
    new = await tg.say("/start")
    new = await tg.say("주민등록등본 한 통 떼 주세요")
    for _ in range(MAX_TURNS):
        texts = [c["params"]["text"] for c in new]
        found = ORDER_NUMBER.search("\n".join(texts))
        if found:
            return found.group(1)
        action, value = decide(script, last_paragraph(texts))
        if action == "otp":
            new = await tg.say(await latest_otp(client, channels.backend_url, resident.phone))
        elif action == "button":
            with_keyboard = [c for c in new if c["params"].get("reply_markup")]
            buttons = [
                b
                for c in with_keyboard[-1:]
                for row in c["params"]["reply_markup"]["inline_keyboard"]
                for b in row
            ]
            match = next((b for b in buttons if value in b["text"]), None)
            if match is None:
                new = await tg.say(value)
            else:
                assert len(match["callback_data"].encode()) <= 64
                new = await tg.press(with_keyboard[-1], match)
        else:
            new = await tg.say(value)
    raise AssertionError("no order number:\n" + "\n".join(tg.transcript))


async def test_certificate_order_through_telegram(channels: Channels) -> None:
    resident = Resident("최동훈", "1985년 1월 20일", "010-4567-8901")
    chat_id = random.randrange(10**8, 9 * 10**8)
    async with httpx.AsyncClient(timeout=30) as client:
        tg = TelegramResident(client, channels.rasa.url, channels.telegram_api, chat_id)
        order_number = await order_through_telegram(client, channels, tg, resident)
        answered = channels.telegram_api.named("answerCallbackQuery")
        assert answered, "button presses must be answered"
        status = await client.get(
            f"{channels.backend_url}/api/v1/orders/{order_number}",
            headers=BACKEND_CHECK_HEADERS,
        )
    assert status.status_code == 200, status.text
    assert status.json()["method"] == "kiosk"


# -- staff replies through Rasa's HTTP API (handoff console path, protocols.md §3.6) ----------


async def push_staff_message(
    client: httpx.AsyncClient, rasa_url: str, token: str, sender: str, text: str
) -> None:
    r = await client.post(
        f"{rasa_url}/conversations/{sender}/tracker/events",
        params={"execute_side_effects": "true", "output_channel": "latest"},
        headers=rasa_auth_headers(token),
        json={"event": "bot", "text": text},
    )
    assert r.status_code == 200, r.text


async def test_staff_reply_reaches_a_kakao_resident_with_the_next_answer(
    channels: Channels, rasa_token: str
) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        kakao = KakaoResident(client, channels.rasa.url, f"e2e{random.randrange(10**12):012d}")
        await kakao.say("안녕하세요")
        await push_staff_message(
            client,
            channels.rasa.url,
            rasa_token,
            f"kakao:{kakao.user_id}",  # Rasa's id for this Kakao user
            "담당 주무관이에요. 확인해 볼게요.",
        )
        answer = await kakao.say("고마워요")
    assert texts_of(answer)[0].startswith("담당 주무관이에요. 확인해 볼게요.")


async def test_staff_reply_is_pushed_to_a_telegram_resident_at_once(
    channels: Channels, rasa_token: str
) -> None:
    chat_id = random.randrange(10**8, 9 * 10**8)
    async with httpx.AsyncClient(timeout=30) as client:
        tg = TelegramResident(client, channels.rasa.url, channels.telegram_api, chat_id)
        await tg.say("안녕하세요")
        before = len(tg.sent())
        await push_staff_message(
            client,
            channels.rasa.url,
            rasa_token,
            f"telegram:{chat_id}",  # Rasa's id for this Telegram chat
            "담당 주무관이에요. 확인해 볼게요.",
        )
    pushed = [c["params"]["text"] for c in tg.sent()[before:]]
    assert pushed == ["담당 주무관이에요. 확인해 볼게요."]
