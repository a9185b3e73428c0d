"""Whole calls over TwiML through the running system (Rasa, action server, backend).

Each test is one caller on the shared ``system`` fixture, through the real webhook, with every
TwiML document checked against the verbs' documented attributes and every prompt's audio checked
to be 8 kHz mono μ-law WAV (tests/voice/phone.py). Callers use their own demo residents so the
per-phone identity limits are never shared.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.e2e.resident import backend_order
from tests.voice.phone import Phone, Turn, order_number_heard

pytestmark = pytest.mark.e2e


def sms_texts(system: Any, phone: str) -> list[str]:
    """Every SMS the dev outbox holds for ``phone``, oldest first."""
    sent = httpx.get(f"{system.backend_url}/dev/sms-outbox", params={"phone": phone},
                     timeout=10).json()
    return [m["text"] for m in sent]


def sms_code(system: Any, phone: str) -> str:
    newest = sms_texts(system, phone)[-1]
    match = re.search(r"(?<!\d)\d{6}(?!\d)", newest)
    assert match, newest
    return match.group()


def asks_digits(turn: Turn, count: int | None) -> bool:
    gather = turn.gather or {}
    return gather.get("numDigits") == (str(count) if count else None)


def test_a_home_delivery_by_keypad(system: Any) -> None:
    """정순자 (85) calls from her registered phone and orders a delivery with keys alone: the
    caller ID stands for the name, phone and code questions (identity by caller ID allows a home
    delivery only, docs/security.md); ``*`` repeats every question without changing it, and
    ``0`` is offered in the greeting."""
    texts_before = len(sms_texts(system, "01056789012"))
    phone = Phone(system.rasa_url, caller="+821056789012")
    greeting = phone.dial()
    assert "상담원은 영 번" in greeting.text and asks_digits(greeting, 1), phone.story()

    def press(digits: str) -> Turn:
        turn = phone.press(digits)
        again = phone.press("*")
        assert again.prompts == turn.prompts and again.gather == turn.gather, phone.story()
        return turn

    document = press("2")  # 집으로 배달
    assert "등본은 일 번" in document.text, phone.story()
    copies = press("1")  # 등본
    assert "우물 정" in copies.text and (copies.gather or {}).get("finishOnKey") == "#"
    birth = press("1#")  # one copy
    assert asks_digits(birth, 6) and "여섯 자리" in birth.text, phone.story()
    assert "성함" not in birth.text, phone.story()
    summary = press("410909")
    assert "본인 확인이 됐어요" in summary.text and "일 번" in summary.text, phone.story()
    assert "청구로" in summary.text, phone.story()  # the masked address read back
    placed = phone.press("1")
    assert "배달 신청을 접수했어요" in placed.text, phone.story()
    order_id = order_number_heard(placed.text)
    assert placed.text.count(placed.text.split("신청번호는 ")[1].split(",")[0]) >= 2
    order = backend_order(system.backend_url, order_id)
    assert (order["method"], order["document"]) == ("delivery", "resident_copy")
    # read out twice, and also sent by SMS: a caller cannot write down what they heard; no
    # code was sent (the caller ID and the birth date were the proof)
    assert "문자로도" in placed.text, phone.story()
    texts = sms_texts(system, "01056789012")[texts_before:]
    assert len(texts) == 1 and f"신청번호: {order_id}" in texts[0], texts
    phone.hang_up()
    assert phone.audio_checked >= 10


def test_the_same_order_by_speech_alone(system: Any) -> None:
    """김영희 says everything: spoken phone digits, a spoken birth date, "두 통", the code. She
    calls from a number that is not on record (a neighbour's), so the full identity path runs."""
    phone = Phone(system.rasa_url, caller="+821099990000")
    phone.dial()
    # a delivery asks the birth date first (the caller ID might be on record); this number is
    # not, so the name, the phone and the code follow
    steps = [("집으로 배달해 주세요", "어떤 서류"), ("등본이요", "몇 통"), ("두 통", "생년월일"),
             ("오십년 삼월 이일", "성함"), ("김영희요", "휴대전화 번호"),
             ("공일공 일이삼사 오육칠팔", "인증번호")]
    for said, expected in steps:
        turn = phone.speak(said)
        assert expected in turn.text, phone.story()
    # the code as a recogniser transcribes a read-out number; the spoken form "공오공 오일육"
    # was once asked again (NLU, reported), and the keypad test presses the code
    summary = phone.speak(sms_code(system, "01012345678"))
    assert "두 통" in summary.text and "다산로" in summary.text, phone.story()
    placed = phone.speak("네")
    assert "배달 신청을 접수했어요" in placed.text, phone.story()
    order = backend_order(system.backend_url, order_number_heard(placed.text))
    assert (order["method"], order["document"]) == ("delivery", "resident_copy")
    phone.hang_up()


def test_a_certificate_request_ends_at_the_kiosk_answer(system: Any) -> None:
    phone = Phone(system.rasa_url, caller="+821023456789")
    phone.dial()
    phone.press("1")  # 증명서 발급
    phone.press("2")  # 초본
    method = phone.press("1#")
    assert "무인민원발급기는 일 번" in method.text and asks_digits(method, 1), phone.story()
    summary = phone.press("1")
    assert "무인민원발급기로 받으시고" in summary.text, phone.story()
    phone.press("1")
    phone.speak("이민준")
    phone.press("900715")
    phone.press("01023456789")
    placed = phone.press(sms_code(system, "01023456789"))
    assert "무인민원발급기에서" in placed.text and "접수했어요" in placed.text, phone.story()
    order = backend_order(system.backend_url, order_number_heard(placed.text))
    assert order["method"] == "kiosk"
    assert placed.gather is not None and "다른 일이 있으시면" in placed.text  # the main menu again
    phone.hang_up()


def test_zero_reaches_a_person_and_staff_call_back(system: Any) -> None:
    phone = Phone(system.rasa_url, caller="+821045678901")
    phone.dial()
    phone.press("1")
    person = phone.press("0")
    assert "전화드" in person.text, phone.story()  # a handoff ticket with a call-back
    assert not person.dialled  # no staff number is configured in the test system


def test_silence_and_nonsense_twice(system: Any) -> None:
    phone = Phone(system.rasa_url, caller="+821034567890")
    question = phone.dial()
    once = phone.silence()
    assert "한 번 더" in once.text and question.prompts[0] in once.prompts, phone.story()
    twice = phone.speak("어어", confidence=0.1)
    assert "번호를 눌러서" in twice.text, phone.story()
    nonsense = phone.speak("쿠쿠루삥뽕 따라라")
    again = phone.speak("쿠쿠루삥뽕 따라라")
    assert nonsense.gather is not None and again.gather is not None, phone.story()
    assert "영 번" in nonsense.text + again.text, phone.story()
    phone.hang_up()


def test_a_hang_up_mid_request_then_a_call_back_continues_or_starts_over(system: Any) -> None:
    caller = "+821067890123"
    first = Phone(system.rasa_url, caller=caller)
    first.dial()
    first.press("1")
    copies = first.press("2")  # 초본; the copies question is open
    assert "몇 통" in copies.text, first.story()
    first.hang_up()

    back = Phone(system.rasa_url, caller=caller)
    offer = back.dial()
    assert "이어서 하시려면 일 번" in offer.text, back.story()
    resumed = back.press("1")
    assert resumed.prompts == copies.prompts, back.story()
    method = back.press("1#")
    assert "무인민원발급기는 일 번" in method.text, back.story()
    back.hang_up()

    fresh = Phone(system.rasa_url, caller=caller)
    assert "이어서" in fresh.dial().text
    restarted = fresh.press("2")
    assert restarted.text.startswith("처음부터 다시 할게요") and "도우미" in restarted.text
    fresh.hang_up()
    third = Phone(system.rasa_url, caller=caller)
    assert "도우미" in third.dial().text  # nothing left to continue
    third.hang_up()
