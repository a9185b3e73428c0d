"""The way a resident wants a document (kiosk, counter, online, delivery), typed or spoken.

The dialogue asks "어떻게 받으시겠어요?"; a resident answers in a sentence, not with a button. The
contract makes a `method` named anywhere an entity, whatever the intent; a place named in a
question about the place (hours, where) is not a way of getting a document.
"""

from __future__ import annotations

from datetime import date

import pytest

from nlu.normalise.extract import extract_entities, normalise
from nlu.normalise.methods import find_methods, parse_method

TODAY = date(2026, 11, 25)


def methods(text: str) -> list[str]:
    return [s.value for s in extract_entities(text, TODAY) if s.entity == "method"]


@pytest.mark.parametrize(
    "text",
    [
        "발급기로요",
        "무인기로 할게요",
        "키오스크",
        "키오스크로 뽑을게요",
        "무인민원발급기에서 뗄게요",
        "무인 발급기로 해 주세요",
        "기계로 할게요",
        "기계에서 뽑을래요",
        "발급기 어디 있어요?",
        "명동 근처 발급기 어디 있어요?",
        "발급기서 뽑아 갈라요",
        "어 그 기계로 기계로 할게요",
        "자판기 같은 데서 뽑는 거요",
        "무인 발급 존에서 할게요",
        "동사무소 앞에 있는 발급기로 하겠소",
    ],
)
def test_kiosk_words_name_the_kiosk(text: str) -> None:
    assert methods(text) == ["kiosk"]


@pytest.mark.parametrize(
    "text",
    [
        "창구요",
        "창구로 할게요",
        "동사무소 가서 받을게요",
        "주민센터 가서 받을게요",
        "주민센터에서 받을게요",
        "행정복지센터 가서 떼려고요",
        "신당동 주민센터에서 찾아갈게요",
        "직접 가서 받을게요",
        "방문해서 받을게요",
        "제가 직접 찾으러 갈게요",
        "센터로 찾으러 갈게요",
        "동사무소 가서 찾을랑께",
        "내가 동사무소 가께",
        "점심시간에도 창구 열어요?",
        "발급기 안 쓰고 창구 갈게요",
    ],
)
def test_counter_words_and_going_there_name_the_counter(text: str) -> None:
    assert methods(text) == ["counter"]


@pytest.mark.parametrize(
    "text",
    [
        "정부24로",
        "정부 이십사로 할게요",
        "인터넷으로 할게요",
        "온라인으로 뗄 수 있어요?",
        "전자증명서로",
        "전자증명서로 받을게요",
        "모바일로 받을래요",
        "핸드폰으로 받을게요",
        "휴대폰으로 바로 받을 수 있어요?",
        "PDF로 주세요",
        "pdf 파일로 받고 싶어요",
        "컴퓨터로 뽑을게요",
        "집에서 인터넷으로 할랍니다",
    ],
)
def test_online_words_name_online(text: str) -> None:
    assert methods(text) == ["online"]


@pytest.mark.parametrize(
    "text",
    [
        "배달이요",
        "배달해 주세요",
        "집으로 보내 주세요",
        "집으로 갖다 주세요",
        "가져다 주세요",
        "갖다 줘유",
        "우리 집까지 좀 보내 주이소",
        "우편으로 받을게요",
        "택배로 보내 줄 수 있어요?",
        "배달 서비스 누가 받을 수 있어요",
        "칠십오세 어르신도 배달 돼요?",
        "다리가 불편해서 주민센터까지 가기 힘들어요 집으로 갖다 주세요",
        "창구는 좀 멀어서 집으로 보내 주세요",
        "서류 좀 보내 줘요",
    ],
)
def test_delivery_words_name_delivery(text: str) -> None:
    assert methods(text) == ["delivery"]


@pytest.mark.parametrize(
    "text",
    [
        "주민센터 몇 시까지 해요?",
        "동사무소 어디 있어요",
        "주민센터 2층이에요?",
        "공사 중이라 주민센터 문 닫았어요?",
        "인증번호 다시 보내 주세요",
        "문자 좀 보내 줘",
        "코드 한 번 더 보내 주세요",
        "핸드폰 번호는 010-1234-5678이에요",
        "핸드폰이 꺼졌어요",
        "우편번호가 뭐예요",
        "집에 오면 연락 주세요",
        "등본 두 통 떼 주세요",
        "창구 말고 다른 방법 없어요?",
        "찾아가는 서비스 신청하고 싶어요",
        "네",
        "아니요",
        "오늘 날씨 어때?",
        "집 주소가 바뀌었어요",
        "기계가 고장 난 것 같아요",
        "신분증 가져가야 돼요?",
    ],
)
def test_no_way_is_named(text: str) -> None:
    assert methods(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("발급기 말고 창구로 할게요", ["counter"]),
        ("창구 말고 발급기요", ["kiosk"]),
        ("인터넷 말고 그냥 집으로 보내 주세요", ["delivery"]),
        ("주민센터 발급기에서 뗄게요", ["kiosk"]),
        ("창구에서 떼는 거랑 발급기에서 떼는 거 값이 달라요?", ["counter", "kiosk"]),
    ],
)
def test_a_correction_keeps_the_new_way_and_two_ways_stay_two(
    text: str, expected: list[str]
) -> None:
    assert methods(text) == expected


def test_the_method_comes_with_the_rest_of_an_order() -> None:
    spans = extract_entities("등본 두 통 동사무소 가서 찾을게요 신당동이에요", TODAY)
    assert [(s.entity, s.value) for s in spans] == [
        ("document", "resident_copy"),
        ("copies", "2"),
        ("method", "counter"),
        ("dong", "신당동"),
    ]
    assert all(s.text == "등본 두 통 동사무소 가서 찾을게요 신당동이에요"[s.start : s.end] for s in spans)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("발급기로", "kiosk"),
        ("창구", "counter"),
        ("정부24", "online"),
        ("배달", "delivery"),
        ("동사무소 가서", "counter"),
        ("주민센터", None),
        ("집", None),
        ("등본", None),
        ("발급기 창구", None),
    ],
)
def test_a_tagger_span_normalises_only_when_it_names_one_way(
    raw: str, expected: str | None
) -> None:
    assert parse_method(raw) == expected
    assert normalise("method", raw, TODAY) == expected


def test_spans_point_into_the_text() -> None:
    text = "음 저기 무인발급기로 할게요"
    (match,) = find_methods(text)
    assert text[match.start : match.end] == "무인발급기"
