"""Whole calls over Asterisk FastAGI through the running system (Rasa, action server, backend).

The shared ``system`` fixture's Rasa server runs the FastAGI channel on a free port with the
local Vosk recogniser (tests/conftest.py); a fake Asterisk (tests/voice/test_fastagi.py) places
calls into it over TCP exactly as res_agi.c talks. Every prompt it is told to play must exist as
8 kHz audio. Callers use demo residents of their own so per-phone identity limits are not shared.
"""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.voice.recogniser import load_grammars
from tests.e2e.resident import backend_order
from tests.voice.phone import order_number_heard
from tests.voice.test_fastagi import FakeAsterisk

pytestmark = pytest.mark.e2e
KEYPAD = {"agi_arg_1": "keypad"}  # the dialplan's AGI(agi://…/minwon,keypad): no recording


def agi_port(system: Any) -> int:
    return int(system.processes["rasa"].spec.env["MINWON_AGI_PORT"])


def spoken(text: str, folder: Path) -> Path:
    """espeak-ng's Korean voice at 8 kHz mono, as a narrowband line records it."""
    raw, out = folder / f"{abs(hash(text))}.raw.wav", folder / f"{abs(hash(text))}.wav"
    subprocess.run(["espeak-ng", "-v", "ko", "-s", "130", "-w", str(raw), text], check=True)
    subprocess.run(["sox", str(raw), "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer",
                    str(out)], check=True)
    return out


def sms_texts(system: Any, phone: str) -> list[str]:
    sent = httpx.get(f"{system.backend_url}/dev/sms-outbox", params={"phone": phone}, timeout=10)
    return [m["text"] for m in sent.json()]


def joined(prompts: list[str]) -> str:
    return " ".join(prompts)


def test_a_home_delivery_by_keypad_alone_with_the_callers_number(system: Any) -> None:
    """최동훈 calls from his registered phone on a keypad-only line (``AGI(…,keypad)``): the
    caller ID stands for the phone question and the SMS code, the birth date is typed."""
    phone = "01045678901"
    texts_before = len(sms_texts(system, phone))
    placed_numbers: list[str] = []

    async def call() -> None:
        asterisk = FakeAsterisk(agi_port(system), caller=phone, uniqueid="1764801000.11",
                                   extra=KEYPAD)
        greeting = joined(await asterisk.dial())
        assert "이 번" in greeting and asterisk.commands[-1].startswith("GET DATA")
        document = joined(await asterisk.press("2"))  # 집으로 배달
        assert "등본은 일 번" in document, asterisk.prompts
        copies = joined(await asterisk.press("1"))  # 등본
        assert "우물 정" in copies, asterisk.prompts
        birth = joined(await asterisk.press("1#"))
        assert "생년월일" in birth and "성함" not in birth, asterisk.prompts
        assert asterisk.commands[-1].endswith(" 10000 6"), asterisk.commands[-1]
        summary = joined(await asterisk.press("850120"))
        assert "본인 확인이 됐어요" in summary and "휴대전화" not in summary, asterisk.prompts
        placed = joined(await asterisk.press("1"))
        assert "배달 신청을 접수했어요" in placed, asterisk.prompts
        assert "문자로도" in placed, asterisk.prompts
        placed_numbers.append(order_number_heard(placed))
        order = backend_order(system.backend_url, placed_numbers[0])
        assert order["method"] == "delivery"
        await asterisk.hang_up()
        assert asterisk.ended

    asyncio.run(call())
    # no code was needed; the one text is the order number, to the registered phone
    new_texts = sms_texts(system, phone)[texts_before:]
    assert len(new_texts) == 1 and f"신청번호: {placed_numbers[0]}" in new_texts[0], new_texts


def test_spoken_answers_through_record_file_and_the_local_recogniser(
    system: Any, tmp_path: Path
) -> None:
    """박서연 says "배달" and "네" (espeak-ng, 8 kHz) and types the rest."""
    phone = "01034567890"

    async def call() -> None:
        asterisk = FakeAsterisk(agi_port(system), caller=phone, uniqueid="1764801000.12")
        await asterisk.dial()
        assert asterisk.listening and asterisk.listening.command == "RECORD FILE"
        document = joined(await asterisk.say(spoken("배달", tmp_path)))
        assert "등본은 일 번" in document, asterisk.prompts
        await asterisk.press("1")  # a key ends the recording; the rest by WAIT FOR DIGIT
        birth = joined(await asterisk.press("1#"))
        assert "생년월일" in birth, asterisk.prompts
        summary = joined(await asterisk.press("941130"))
        assert "본인 확인이 됐어요" in summary, asterisk.prompts
        placed = joined(await asterisk.say(spoken("네", tmp_path)))
        assert "배달 신청을 접수했어요" in placed, asterisk.prompts
        order = backend_order(system.backend_url, order_number_heard(placed))
        assert order["method"] == "delivery"
        await asterisk.hang_up()

    asyncio.run(call())


def test_a_hang_up_mid_request_then_a_call_back_continues_or_starts_over(system: Any) -> None:
    caller = "01098765432"  # not in the registry: no identity is asked before the hang-up

    async def calls() -> None:
        port = agi_port(system)
        first = FakeAsterisk(port, caller=caller, uniqueid="1764801000.21",
                                extra=KEYPAD)
        await first.dial()
        await first.press("1")  # 증명서 발급
        copies = await first.press("2")  # 초본: the copies question is open
        assert "몇 통" in joined(copies), first.prompts
        await first.hang_up()  # HANGUP, then 511 for anything the server still sends
        assert first.ended

        back = FakeAsterisk(port, caller=caller, uniqueid="1764801000.22",
                               extra=KEYPAD)
        assert "이어서 하시려면 일 번" in joined(await back.dial()), back.prompts
        assert await back.press("1") == copies
        method = joined(await back.press("1#"))
        assert "무인민원발급기는 일 번" in method, back.prompts
        await back.hang_up()

        fresh = FakeAsterisk(port, caller=caller, uniqueid="1764801000.23",
                                extra=KEYPAD)
        assert "이어서" in joined(await fresh.dial())
        restarted = joined(await fresh.press("2"))
        assert restarted.startswith("처음부터 다시 할게요"), fresh.prompts
        await fresh.hang_up()

    asyncio.run(calls())


def _say(kind: str, meaning: str) -> str:
    grammar = load_grammars()[kind]
    return next(o.say for o in grammar.options if o.meaning == meaning)


def test_every_grammar_answer_reads_as_its_meaning_in_the_nlu(system: Any) -> None:
    """The text the recogniser hands on for a grammar answer is read like typed text."""
    grammars = load_grammars()
    expected: dict[tuple[str, str], tuple[str | None, tuple[str, str] | None]] = {
        ("yes_no", "yes"): ("affirm", None),
        ("yes_no", "no"): ("deny", None),
        **{
            ("method", o.meaning): (None, ("method", o.meaning))
            for o in grammars["method"].options
        },
        **{
            ("document", o.meaning): (None, ("document", o.meaning))
            for o in grammars["document"].options
        },
    }
    with httpx.Client(base_url=system.rasa_url, headers=system.rasa_headers(), timeout=30) as c:
        for (kind, meaning), (intent, entity) in expected.items():
            text = _say(kind, meaning)
            parsed = c.post("/model/parse", json={"text": text}).json()
            if intent:
                assert parsed["intent"]["name"] == intent, (text, parsed["intent"])
            if entity:
                values = {(e["entity"], e["value"]) for e in parsed["entities"]}
                assert entity in values, (text, values)
