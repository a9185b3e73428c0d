"""The channels on two Rasa instances behind round-robin: no state in one process's memory.

Two Rasa servers share the PostgreSQL tracker store, the atomic Redis lock store
(endpoints.scale.yml) and, because ``MINWON_REDIS_HOST`` is set for them, the channel state
store (bot/state_store.py). A request and its repeat, a staff reply and the resident's next
message, a long answer and its "more" press reach different instances, as a round-robin balancer
(or a platform retrying on another connection) would send them. What a resident must see: a
repeated webhook is answered once and the same, wherever it lands; what one instance filed is
served by the other; a conversation whose every webhook arrives twice orders once, loses no turn
and gets its replies in order.

Real Rasa servers (trained model), action server and backend on a throwaway PostgreSQL and
redis-server; real channel payloads (tests/payloads); Telegram's cloud is a local fake Bot API.
``MINWON_TWICE_CONVERSATIONS=50`` runs the double-delivery test with 50 residents at once (the
issue's acceptance figure; CI runs a few).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg2
import pytest
import yaml

from bot.local_stores import (
    BACKEND_DB,
    TRACKER_DB,
    free_port,
    start_throwaway_postgres,
    wait_redis,
    write_redis_config,
)
from bot.processes import ROOT, ManagedProcess, Ports, replace_flag, system_specs
from bot.rasa_auth import rasa_auth_headers
from bot.tracker_store import cipher_from_env
from tests.conftest import SHARED_CLIENT_LIMITS
from tests.system_secrets import TEST_SECRETS

sys.path.insert(0, str(ROOT / "tests" / "bot"))  # the channel test helpers live there
from channel_system import (  # noqa: E402
    KAKAO_SECRET,
    TG_SECRET,
    TG_TOKEN,
    channel_credentials,
    latest_otp,
)
from fake_bot_api import FakeBotApi, fake_bot_api_in_thread  # noqa: E402
from kakao_schema import skill_response_problems  # noqa: E402
from servers import kakao_text_body  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(1200)]

START_TIMEOUT_S = 600
PAYLOADS = ROOT / "tests" / "payloads"
ORDER_NUMBER = re.compile(r"신청번호[^0-9]{0,6}(\d{8})")
TWICE_CONVERSATIONS = int(os.environ.get("MINWON_TWICE_CONVERSATIONS", "3"))


def payload(channel: str, name: str) -> dict[str, Any]:
    return json.loads((PAYLOADS / channel / name).read_text(encoding="utf-8"))


@dataclass
class Pair:
    a: str
    b: str
    backend_url: str
    tracker_dsn: str
    backend_dsn: str
    rasa_env: dict[str, str]
    telegram: FakeBotApi

    def events(self, sender: str) -> list[tuple[str, str | None]]:
        """(type, user text) of the conversation's stored events, in order."""
        with psycopg2.connect(self.tracker_dsn) as conn, conn.cursor() as cur:
            cur.execute("SELECT type_name, data FROM events WHERE sender_id = %s ORDER BY id",
                        (sender,))
            rows = cur.fetchall()
        cipher = cipher_from_env(self.rasa_env)  # event data is encrypted at rest
        out = []
        for type_name, data in rows:
            event = json.loads(cipher.decrypt(json.loads(data)["encrypted"].encode()))
            out.append((type_name, event.get("text") if type_name == "user" else None))
        return out

    def user_turns(self, sender: str) -> list[str]:
        return [text or "" for kind, text in self.events(sender) if kind == "user"]

    def orders(self, sender: str) -> list[str]:
        with psycopg2.connect(self.backend_dsn) as conn, conn.cursor() as cur:
            cur.execute("SELECT order_number FROM orders WHERE conversation_id = %s", (sender,))
            return [row[0] for row in cur.fetchall()]


@pytest.fixture(scope="module")
def pair(rasa_model: Path) -> Iterator[Pair]:
    base = Path(tempfile.mkdtemp(prefix="minwon-channels-2x-"))
    logs = base / "logs"
    logs.mkdir()
    pg = start_throwaway_postgres()
    processes: list[ManagedProcess] = []
    redis_popen: subprocess.Popen[bytes] | None = None
    try:
        pg.createdb(TRACKER_DB)
        pg.createdb(BACKEND_DB)
        redis = write_redis_config(base / "redis", free_port())
        redis_popen = subprocess.Popen(redis.argv(), stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL, start_new_session=True)
        assert wait_redis(redis.port), "redis-server did not start"
        with fake_bot_api_in_thread(TG_TOKEN) as api:
            ports = Ports(backend=free_port(), actions=free_port(), rasa=free_port())
            port_b = free_port()
            backend, actions, rasa = system_specs(rasa_model, ports, base / "var", logs, "test",
                                                  TEST_SECRETS)
            backend = dataclasses.replace(backend, env={
                **backend.env, **SHARED_CLIENT_LIMITS,
                "MINWON_DATABASE_URL": pg.sqlalchemy_url(BACKEND_DB)})
            # the lock store's Redis settings also put the channel state in Redis
            env = {**rasa.env, **pg.tracker_env(), **redis.lock_env()}
            creds = base / "credentials.channels.yml"
            creds.write_text(yaml.safe_dump(channel_credentials(
                KAKAO_SECRET, TG_TOKEN, TG_SECRET, api.base_url), allow_unicode=True),
                encoding="utf-8")
            argv = replace_flag(rasa.argv, "--endpoints", str(ROOT / "endpoints.scale.yml"))
            argv = replace_flag(argv, "--credentials", str(creds))
            rasa_a = dataclasses.replace(
                rasa, name="rasa-a", env=env,
                argv=replace_flag(argv, "--log-file", str(logs / "rasa-a.log")))
            rasa_b = dataclasses.replace(
                rasa, name="rasa-b", env=env,
                argv=replace_flag(replace_flag(argv, "--log-file", str(logs / "rasa-b.log")),
                                  "--port", str(port_b)),
                health_url=f"http://127.0.0.1:{port_b}/")
            processes = [ManagedProcess(s, logs / f"{s.name}.out")
                         for s in (backend, actions, rasa_a, rasa_b)]
            for p in processes:
                p.start()
            for p in processes:
                p.wait(START_TIMEOUT_S)
            yield Pair(rasa_a.health_url.rstrip("/"), rasa_b.health_url.rstrip("/"),
                       f"http://127.0.0.1:{ports.backend}", pg.dsn(TRACKER_DB),
                       pg.dsn(BACKEND_DB), env, api)
    finally:
        for p in reversed(processes):
            p.stop(10)
        if redis_popen is not None:
            redis_popen.terminate()
            redis_popen.wait(10)
        pg.stop(remove=True)


# --- Kakao -----------------------------------------------------------------------------------


def texts_of(answer: dict[str, Any]) -> list[str]:
    texts = []
    for comp in answer["template"]["outputs"]:
        body = next(iter(comp.values()))
        texts.extend(body[k] for k in ("title", "text", "description") if k in body)
    return texts


def is_waiting_notice(answer: dict[str, Any]) -> bool:
    """The "answer is coming, press 'show answer'" notice of a turn slower than 3.5 s."""
    quick = answer.get("template", {}).get("quickReplies", [])
    return len(quick) == 1 and "minwon_more" in quick[0].get("extra", {})


@dataclass
class KakaoUser:
    client: httpx.AsyncClient
    user_id: str = field(default_factory=lambda: f"twox{random.randrange(10**12):012d}")

    @property
    def sender(self) -> str:
        return f"kakao:{self.user_id}"

    def body(self, utterance: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
        return kakao_text_body(self.user_id, utterance, extra)

    async def post(self, url: str, body: dict[str, Any]) -> dict[str, Any]:
        r = await self.client.post(url + "/webhooks/kakao/webhook", json=body,
                                   headers={"X-Skill-Token": KAKAO_SECRET})
        assert r.status_code == 200, r.text
        answer = r.json()
        assert skill_response_problems(answer) == [], answer
        return answer  # type: ignore[no-any-return]

    async def twice(self, first: str, second: str, body: dict[str, Any]) -> dict[str, Any]:
        """Deliver ``body`` to both instances at once; both must get the same answer."""
        one, two = await asyncio.gather(self.post(first, body), self.post(second, body))
        if is_waiting_notice(one) and is_waiting_notice(two):  # a slow turn: fetch its answer
            return await self.show_answer(first)
        if is_waiting_notice(one) != is_waiting_notice(two):
            # the repeat stopped waiting (4 s) just before the first stored its answer: the
            # resident saw that answer on the first delivery
            return two if is_waiting_notice(one) else one
        assert one == two, (one, two)
        return one

    async def show_answer(self, url: str) -> dict[str, Any]:
        answer: dict[str, Any] = {}
        for _ in range(40):
            press = self.body("답변 보기", {"minwon_more": "1"})
            answer = await self.post(url, press)
            if not is_waiting_notice(answer):
                return answer
            await asyncio.sleep(0.5)
        raise AssertionError(f"no answer came: {answer}")


async def test_a_kakao_request_delivered_to_both_instances_is_answered_once_the_same(
    pair: Pair,
) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        user = KakaoUser(client)
        body = user.body("등본 수수료 얼마예요?")
        one, two = await asyncio.gather(user.post(pair.a, body), user.post(pair.b, body))
        assert one == two
        if is_waiting_notice(one):  # a turn slower than 3.5 s on a busy machine
            one = await user.show_answer(pair.b)
    assert any("원" in t for t in texts_of(one)), texts_of(one)
    assert pair.user_turns(user.sender) == ["등본 수수료 얼마예요?"]  # one turn, not two


async def test_a_staff_reply_filed_on_one_instance_and_its_pages_are_served_by_the_other(
    pair: Pair,
) -> None:
    staff = [f"담당 주무관이에요. {i}번째 안내예요. " + "확인해 드릴게요. " * 70 for i in range(1, 5)]
    async with httpx.AsyncClient(timeout=30) as client:
        user = KakaoUser(client)
        await user.post(pair.a, user.body("안녕하세요"))
        for text in staff:  # the handoff console pushes through instance A
            r = await client.post(
                f"{pair.a}/conversations/{user.sender}/tracker/events",
                params={"execute_side_effects": "true", "output_channel": "kakao"},
                headers=rasa_auth_headers(TEST_SECRETS["MINWON_RASA_TOKEN"]),
                json={"event": "bot", "text": text})
            assert r.status_code == 200, r.text
        shown = texts_of(await user.post(pair.b, user.body("고마워요")))  # B delivers the mailbox
        for url in (pair.a, pair.b, pair.a, pair.b, pair.a):  # "more", alternating
            more = await user.post(url, user.body("더 보기", {"minwon_more": "1"}))
            shown += texts_of(more)
            if not any("minwon_more" in q.get("extra", {})
                       for q in more["template"].get("quickReplies", [])):
                break
    joined = " ".join(" ".join(shown).split())
    for text in staff:  # every staff message whole, in order, once
        assert joined.count(" ".join(text.split())) == 1, joined
    positions = [joined.index(" ".join(t.split())) for t in staff]
    assert positions == sorted(positions)


# --- Telegram --------------------------------------------------------------------------------


async def test_a_telegram_update_delivered_to_both_instances_is_one_turn(pair: Pair) -> None:
    chat_id = random.randrange(10**8, 9 * 10**8)
    update = payload("telegram", "message_text.json")
    update["update_id"] = random.randrange(10**8, 9 * 10**8)
    update["message"]["chat"]["id"] = chat_id
    update["message"]["from"]["id"] = chat_id
    update["message"]["text"] = "등본 수수료 얼마예요?"
    async with httpx.AsyncClient(timeout=30) as client:
        answers = await asyncio.gather(*(
            client.post(url + "/webhooks/telegram/webhook", json=update,
                        headers={"X-Telegram-Bot-Api-Secret-Token": TG_SECRET})
            for url in (pair.a, pair.b)))
    assert sorted(r.json()["status"] for r in answers) == ["duplicate", "ok"]
    sender = f"telegram:{chat_id}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not pair.telegram.sent_texts(chat_id):
        await asyncio.sleep(0.2)
    await asyncio.sleep(1.0)
    assert pair.user_turns(sender) == ["등본 수수료 얼마예요?"]
    assert len(pair.telegram.sent_texts(chat_id)) >= 1


async def test_a_telegram_button_made_by_one_instance_is_understood_by_the_other(
    pair: Pair,
) -> None:
    chat_id = random.randrange(10**8, 9 * 10**8)
    update = payload("telegram", "message_text.json")
    update["update_id"] = random.randrange(10**8, 9 * 10**8)
    update["message"]["chat"]["id"] = chat_id
    update["message"]["from"]["id"] = chat_id
    update["message"]["text"] = "주민등록등본 한 통 떼 주세요"
    async with httpx.AsyncClient(timeout=30) as client:
        headers = {"X-Telegram-Bot-Api-Secret-Token": TG_SECRET}
        await client.post(pair.a + "/webhooks/telegram/webhook", json=update, headers=headers)
        call = None
        deadline = time.monotonic() + 60
        while call is None and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
            call = next((c for c in list(pair.telegram.calls) if c["name"] == "sendMessage"
                         and int(c["params"]["chat_id"]) == chat_id
                         and c["params"].get("reply_markup")), None)
        assert call is not None, "no keyboard came"
        button = next(b for row in call["params"]["reply_markup"]["inline_keyboard"]
                      for b in row if "발급기" in b["text"])
        press = {
            "update_id": update["update_id"] + 1,
            "callback_query": {
                "id": f"{chat_id}77", "chat_instance": "-42", "data": button["callback_data"],
                "from": update["message"]["from"],
                # the title is not the payload: only the shared store can map the id back
                "message": {**update["message"], "message_id": call["result"]["message_id"],
                            "text": call["params"]["text"],
                            "reply_markup": {"inline_keyboard": [[{
                                "text": "?", "callback_data": button["callback_data"]}]]}},
            },
        }
        await client.post(pair.b + "/webhooks/telegram/webhook", json=press, headers=headers)
        sender = f"telegram:{chat_id}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(pair.user_turns(sender)) < 2:
            await asyncio.sleep(0.2)
    assert pair.user_turns(sender)[1].startswith("/inform"), pair.user_turns(sender)


# --- web chat --------------------------------------------------------------------------------


async def test_a_web_chat_reply_filed_by_one_instance_is_served_by_the_other(pair: Pair) -> None:
    async with httpx.AsyncClient(timeout=30) as page:
        await page.get(pair.a + "/webhooks/webchat/")  # the page sets its signed cookie
        r = await page.post(pair.a + "/webhooks/webchat/webhook", json={"message": "안녕하세요"})
        assert r.status_code == 200 and r.json(), r.text
        sender = next(m["recipient_id"] for m in r.json() if m.get("recipient_id"))
        pushed = await page.post(
            f"{pair.a}/conversations/{sender}/tracker/events",
            params={"execute_side_effects": "true", "output_channel": "webchat"},
            headers=rasa_auth_headers(TEST_SECRETS["MINWON_RASA_TOKEN"]),
            json={"event": "bot", "text": "담당 주무관이에요. 확인해 볼게요."})
        assert pushed.status_code == 200, pushed.text
        on_b = (await page.get(pair.b + "/webhooks/webchat/pending")).json()
        again = (await page.get(pair.a + "/webhooks/webchat/pending")).json()
    assert [m["text"] for m in on_b] == ["담당 주무관이에요. 확인해 볼게요."]
    assert again == []  # served once


# --- every webhook twice -------------------------------------------------------------------


def load_residents(count: int) -> list[dict[str, Any]]:
    data = yaml.safe_load((ROOT / "data/district/load-residents.yml").read_text("utf-8"))
    chosen = random.sample(data["residents"], count)
    return [dict(r) for r in chosen]


def quick_reply(answer: dict[str, Any], label_part: str) -> dict[str, Any] | None:
    for q in answer["template"].get("quickReplies", []):
        if label_part in q.get("label", "") or label_part in q.get("messageText", ""):
            return q  # type: ignore[no-any-return]
    return None


# the questions of a certificate order, in the order the bot asks them, and what the resident does
FLOW: list[tuple[str, str]] = [
    ("어떤 서류", "button:주민등록표 등본"),
    ("몇 통", "button:한 통"),
    ("어떻게 받으시겠어요", "button:발급기"),
    ("이대로 신청할까요", "button:네"),
    ("성함", "name"),
    ("생년월일", "birth"),
    ("휴대전화", "phone"),
    ("인증번호 여섯 자리", "otp"),
]


def stage_of(said: str) -> int | None:
    """The question the bot asks: the code prompt, else the flow marker that occurs last in its
    words (a question may name what comes later: "이름, 생년월일, 휴대전화 번호를 여쭤볼게요.
    먼저 성함이…")."""
    if FLOW[-1][0] in said:  # the code prompt also names what to check if no SMS comes
        return len(FLOW) - 1
    found = [(said.rfind(marker), index) for index, (marker, _) in enumerate(FLOW)
             if marker in said]
    return max(found)[1] if found else None


async def order_with_every_webhook_twice(
    pair: Pair, client: httpx.AsyncClient, resident: dict[str, Any], number: int
) -> tuple[KakaoUser, list[str], str | None]:
    """One resident's certificate order through Kakao; each request goes to A and B at once
    (which one is first alternates). Returns the user, the requests sent and the order number."""
    user = KakaoUser(client)
    birth = resident["birth_date"]
    birth = birth.isoformat() if hasattr(birth, "isoformat") else str(birth)
    year, month, day = (int(x) for x in birth.split("-"))
    phone = resident["phone"]
    values = {
        "name": resident["name"],
        "birth": f"{year}년 {month}월 {day}일",
        "phone": f"{phone[:3]}-{phone[3:7]}-{phone[7:]}",
    }
    sent: list[str] = []
    transcript: list[str] = []
    stage = -1
    urls = (pair.a, pair.b) if number % 2 == 0 else (pair.b, pair.a)
    body = user.body("주민등록등본 한 통 떼 주세요")
    for _ in range(14):
        sent.append(body["userRequest"]["utterance"])
        transcript.append(f"> {sent[-1]}")
        answer = await user.twice(urls[len(sent) % 2], urls[(len(sent) + 1) % 2], body)
        said = "\n\n".join(texts_of(answer))
        transcript.append(f"< {said}")
        found = ORDER_NUMBER.search(said)
        if found:
            return user, sent, found.group(1)
        index = stage_of(said)
        # replies in order: each answers the request just sent, never an earlier question
        assert index is not None and index >= stage, "\n".join(transcript)
        stage = index
        action = FLOW[index][1]
        if action.startswith("button:"):
            press = quick_reply(answer, action.split(":", 1)[1])
            body = (user.body(press["messageText"], press.get("extra")) if press
                    else user.body(action.split(":", 1)[1]))
        elif action == "otp":
            body = user.body(await latest_otp(client, pair.backend_url, phone))
        else:
            body = user.body(values[action])
    raise AssertionError("no order number:\n" + "\n".join(transcript))


async def test_conversations_whose_every_webhook_arrives_twice_order_once_in_order(
    pair: Pair,
) -> None:
    residents = load_residents(TWICE_CONVERSATIONS)
    started = time.monotonic()
    async with httpx.AsyncClient(timeout=60) as client:
        results = await asyncio.gather(*(
            order_with_every_webhook_twice(pair, client, r, i) for i, r in enumerate(residents)))
    elapsed = time.monotonic() - started
    turns = sum(len(sent) for _, sent, _ in results)
    print(f"{len(results)} conversations, {turns} turns each delivered twice, {elapsed:.1f} s")
    for user, sent, order in results:
        assert order is not None, sent
        assert pair.orders(user.sender) == [order]  # no duplicate order
        stored = pair.user_turns(user.sender)
        assert len(stored) == len(sent), (stored, sent)  # no lost or doubled turn
