"""A Telegram resident who confirmed their identity and ordered cannot be read or acted on
through any other channel with the same raw id: every channel has its own id space.

Real Rasa server with every channel (the ``channels`` fixture), action server and backend.
"""

from __future__ import annotations

import random

import httpx
import pytest
from channel_system import KAKAO_SECRET, Channels
from servers import kakao_text_body
from test_channels_e2e import Resident, TelegramResident, order_through_telegram

pytestmark = pytest.mark.e2e

ASK_ORDERS = "제 신청 내역 알려 주세요"


def texts(messages: list[dict[str, object]]) -> str:
    return "\n".join(str(m.get("text", "")) for m in messages)


async def test_a_telegram_residents_orders_are_not_reachable_from_other_channels(
    channels: Channels,
) -> None:
    chat_id = random.randrange(10**8, 9 * 10**8)
    resident = Resident("최동훈", "1985년 1월 20일", "010-4567-8901")
    url = channels.rasa.url
    async with httpx.AsyncClient(timeout=60) as client:
        tg = TelegramResident(client, url, channels.telegram_api, chat_id)
        order_number = await order_through_telegram(client, channels, tg, resident)
        told_before = len(channels.telegram_api.sent_texts(chat_id))

        # REST with the raw chat id, with the namespaced id, and claiming the Telegram channel
        answers = []
        for sender in (str(chat_id), f"telegram:{chat_id}"):
            r = await client.post(
                url + "/webhooks/rest/webhook",
                json={"sender": sender, "message": ASK_ORDERS, "input_channel": "telegram"},
            )
            assert r.status_code == 200, r.text
            answers.append(texts(r.json()))

        # the web chat with a cookie naming the Telegram conversation, and a body sender
        client.cookies.set("minwon_webchat", f"telegram:{chat_id}")
        r = await client.post(
            url + "/webhooks/webchat/webhook",
            json={"sender": f"telegram:{chat_id}", "message": ASK_ORDERS},
        )
        assert r.status_code == 200, r.text
        answers.append(texts(r.json()))

        # Kakao with the chat id as its user key
        r = await client.post(
            url + "/webhooks/kakao/webhook", json=kakao_text_body(str(chat_id), ASK_ORDERS),
            headers={"X-Skill-Token": KAKAO_SECRET},
        )
        assert r.status_code == 200, r.text
        answers.append(str(r.json()))

        # staff-style pending fetch for the Telegram id gets nothing
        pending = await client.get(
            url + "/webhooks/webchat/pending", params={"sender": f"telegram:{chat_id}"}
        )

    for answer in answers:
        assert order_number not in answer, answer
        assert answer.strip(), "every channel still answers"
    assert pending.json() == []
    # nothing said in the other channels reached the Telegram chat either
    assert len(channels.telegram_api.sent_texts(chat_id)) == told_before
