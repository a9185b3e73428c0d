"""Every response a caller can hear has a ``channel: voice`` variation written for the ear.

Each is rendered as a call would hear it — catalogue responses through the action server's own
renderer (actions/speech.py) with channel ``voice`` and realistic values, domain responses as
Rasa says them — then rewritten by ``for_ear``; the test fails on anything a TTS would misread
(symbols, Latin letters, digits, brackets, URLs), on more than two sentences, on a question that
does not say which key to press, and on a variable the default variation does not have (an
action passes only those; a missing one would be spoken as a raw template).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from actions.speech import COUNTED, catalog, render, sentence_variables
from bot.voice.prerender import DOMAIN_FILE, fixed_voice_texts, voice_variations
from bot.voice.questions import Kind, question_of
from bot.voice.spoken_korean import for_ear, unspeakable

DOMAIN = yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8"))
DOMAIN_RESPONSES: dict[str, list[dict[str, Any]]] = DOMAIN["responses"]
CATALOG: dict[str, list[dict[str, Any]]] = catalog()
EVERY = {**DOMAIN_RESPONSES, **CATALOG}
VOICE = voice_variations(EVERY)

SAMPLES: dict[str, Any] = {
    "document_name": "주민등록표 등본",
    "method_label": "정부24(인터넷)",
    "copies": "3",
    "fee_krw": "1,200",
    "fee_text": "1,200원",
    "fee_lines": "주민센터 창구 400원, 무인민원발급기 무료, 정부24 무료, 집으로 배달 400원",
    "order_id": "20261204",
    "reservation_id": "31415926",
    "ticket_id": "4821",
    "pickup_place": "명동 주민센터",
    "deadline_time": "12월 7일 월요일 낮 열두 시",
    "delivery_address_masked": "서울특별시 중구 다산로 ***",
    "masked_phone": "010-****-5678",
    "tries_left": 2,
    "retry_after_min": 5,
    "business_name": "(주)한빛",
    "daily_limit": 100,
    "remaining_today": 42,
    "remaining": 7,
    "status_label": "발급됐어요",
    "staff_hours": "평일 오전 아홉 시부터 오후 여섯 시까지",
    "next_opening": "월요일 오전 아홉 시",
    "not_online_documents": "인감증명서",
    "first_document": "주민등록표 등본",
    "other_documents": "가족관계증명서",
    "document_names": "주민등록표 등본, 주민등록표 초본, 가족관계증명서",
    "method_labels": "무인민원발급기, 주민센터 창구, 정부24(인터넷), 집으로 배달",
    "online_url": "https://www.gov.kr",
}
# Latin letters, digits, brackets, URL parts and symbols, outside {variables} and [particles]
_TEMPLATE_BAD = re.compile(r"[A-Za-z0-9()<>/\\:;@#%&*_=+~'\"“”‘’·…-]")
_SENTENCE_END = re.compile(r"[.?!](?:\s|$)")


def spoken(name: str) -> str:
    """The voice variation of ``name`` as a caller hears it."""
    if name in CATALOG:
        slots = {slot: None for slot in DOMAIN["slots"]}
        names = re.findall(r"{(\w+)}", VOICE[name][0])
        standing = sentence_variables(slots, {})
        derived = {f"{n}_words" for n in COUNTED} | {"fee_words"}
        values = {n: "서울" for n in names if n not in standing.keys() | derived} | SAMPLES
        message = render(name, slots, "voice", **values)
        return for_ear(message["text"])
    return for_ear(VOICE[name][0])


def test_every_response_a_caller_can_hear_has_one_voice_variation() -> None:
    missing = sorted(set(EVERY) - set(VOICE))
    assert missing == []
    assert all(len(texts) == 1 for texts in VOICE.values())


@pytest.mark.parametrize("name", sorted(EVERY))
def test_the_voice_variation_reads_aloud_without_anything_a_tts_would_misread(name: str) -> None:
    text = spoken(name)
    assert unspeakable(text) == [], text
    assert text == spoken(name) and "{" not in text
    template = re.sub(r"{\w+}|\[[^\[\]/]+/[^\[\]/]+\]", "", VOICE[name][0])
    assert _TEMPLATE_BAD.findall(template) == [], template
    assert len(_SENTENCE_END.findall(text)) <= 2, text


@pytest.mark.parametrize("name", sorted(EVERY))
def test_the_voice_variation_uses_only_the_default_variations_values(name: str) -> None:
    default = next(v for v in EVERY[name] if not v.get("channel"))
    assert set(re.findall(r"{(\w+)}", VOICE[name][0])) <= set(
        re.findall(r"{(\w+)}", default.get("text", ""))
    )


@pytest.mark.parametrize("name", sorted(EVERY))
def test_a_voice_question_says_which_key_to_press(name: str) -> None:
    variation = next(v for v in EVERY[name] if v.get("channel") == "voice")
    question = question_of([{**variation, "utter_action": name}])
    if question.kind is Kind.OPEN:
        return
    text = spoken(name)
    assert re.search("눌러|누르|번이에요", text), text
    keys = ["일 번", "이 번", "삼 번", "사 번", "오 번"]
    for key, choice in zip(keys, question.choices, strict=False):
        assert key in text, (name, choice.title)


def test_order_numbers_are_said_twice_digit_by_digit() -> None:
    for name in ("utter_order_placed_kiosk", "utter_order_placed_delivery"):
        assert spoken(name).count("이공이육, 일이공사") == 2, spoken(name)
    assert "끝자리 오육칠팔" in spoken("utter_ask_otp_code")


def test_every_fixed_prompt_is_prerendered_text() -> None:
    fixed = fixed_voice_texts()
    assert for_ear(VOICE["utter_greet"][0]) in fixed
    assert all(unspeakable(t) == [] for t in fixed)
    assert not any("{" in t for t in fixed)
