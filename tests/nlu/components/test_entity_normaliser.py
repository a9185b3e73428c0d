"""`merge_entities`: rule-based spans win, DIET's spans are judged before they are kept."""

from datetime import date
from typing import Any

import pytest

from nlu.components.entity_normaliser import merge_entities

TODAY = date(2026, 11, 25)
DIET = "DIETClassifier"
OURS = "KoreanEntityNormaliser"


def _diet(text: str, kind: str, raw: str, occurrence: int = 0) -> dict[str, Any]:
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(raw, start + 1)
    return {
        "entity": kind,
        "start": start,
        "end": start + len(raw),
        "value": raw,
        "extractor": DIET,
        "confidence_entity": 0.9,
    }


def _values(entities: list[dict[str, Any]], kind: str) -> list[str]:
    return [e["value"] for e in entities if e["entity"] == kind]


@pytest.mark.parametrize(
    ("text", "raw", "name"),
    [
        ("어제 김영희 할머니가 다녀가셨어요", "김영희", "김영희"),
        ("등본 떼러 왔는데 박서연이가 필요하대요", "박서연이가", "박서연"),
        ("서류는 최동훈한테 보내 주세요", "최동훈한테", "최동훈"),
        ("등본 좀 이우진이 떼 간대요", "이우진", "이우진"),
        ("배달은 남궁민수 앞으로 해 주세요", "남궁민수", "남궁민수"),
    ],
)
def test_a_diet_name_in_a_sentence_the_rules_do_not_know_is_kept(
    text: str, raw: str, name: str
) -> None:
    merged = merge_entities(text, [_diet(text, "person_name", raw)], TODAY, OURS)
    assert _values(merged, "person_name") == [name]


@pytest.mark.parametrize(
    ("text", "raw"),
    [
        # copulas and dialect endings after a number
        ("생년월일은 500302 임니다", "임니다"),
        ("생일은 오십년 삼월 이일 이우다", "이우다"),
        ("전화는 010-1234-5678 이라예", "이라예"),
        ("500302 이에요", "이에요"),
        ("오공공삼공이 이여", "이여"),
        ("41년 9월 9일생 이구먼", "이구먼"),
        ("500302 이우다게", "이우다게"),
        ("500302임니다", "임니다"),
        # typo'd greetings
        ("안녀하세요", "안녀하"),
        ("안녀하세요 등본 떼려고요", "안녀하세요"),
        ("안냐세요", "안냐세"),
        # ordinary words and two-syllable guesses
        ("정말 감사합니다", "정말"),
        ("배달을 해 주세요", "배달을"),
        ("주민센터 몇 시까지 해요", "주민센"),
        ("김치 먹었어요", "김치"),
        # nouns with a particle, verbs and dialect endings that start with a surname syllable
        ("배달 조건이 뭐예요", "조건이"),
        ("아직 소식이 없네요", "소식이"),
        ("창구가 비싸요 기계가 비싸요", "기계가"),
        ("기본증명서 좀 떼 주셔유", "주셔유"),
        ("동사무소 몇 시까지 하능교", "하능교"),
        ("동사무소 몇 시까지 한대유", "한대유"),
        ("떼 주시오", "주시오"),
        ("발급기 어딨어", "어딨어"),
        ("우리 집 강아지가 아파요", "강아지"),
        ("담당 공무원이랑 통화할게요", "공무원"),
        ("길고양이 밥 주는 거요", "길고양"),
        ("나는 사십구년 시월 구일생이오", "구일생"),
        ("초본 세 장이면 얼마죠", "장이면"),
    ],
)
def test_a_diet_span_that_is_no_name_is_dropped(text: str, raw: str) -> None:
    merged = merge_entities(text, [_diet(text, "person_name", raw)], TODAY, OURS)
    assert _values(merged, "person_name") == []


@pytest.mark.parametrize(
    ("text", "diet", "kind", "expected"),
    [
        # DIET's shorter or wrong span loses to the rule-based one
        ("제 이름은 김영희입니다", ("person_name", "김영"), "person_name", ["김영희"]),
        ("신당 5동 주민센터", ("dong", "신당"), "dong", ["신당5동"]),
        ("등본 두 통이요", ("copies", "두"), "copies", ["2"]),
        ("등본 두 통이요", ("document", "통"), "document", ["resident_copy"]),
        # a type the rules did not find: DIET's span is normalised
        ("그 칠십 구 번 그거요", ("copies", "칠십 구"), "copies", ["79"]),
        # an age is not a number of copies
        ("팔십 넘은 어르신인데요", ("copies", "팔십"), "copies", []),
        ("여든 살 어머니 서류요", ("copies", "여든"), "copies", []),
        ("칠십 세 이상이면 되나요", ("copies", "칠십"), "copies", []),
    ],
)
def test_rule_spans_win_and_diet_spans_are_normalised_or_dropped(
    text: str, diet: tuple[str, str], kind: str, expected: list[str]
) -> None:
    merged = merge_entities(text, [_diet(text, *diet)], TODAY, OURS)
    assert _values(merged, kind) == expected


@pytest.mark.parametrize(
    ("text", "old", "name"),
    [
        ("김지훈 말고 김지운이요", "김지훈", "김지운"),
        ("이름은 김지훈 아니고 김지운이요", "김지훈", "김지운"),
        ("박서연 아니라 박서윤입니다", "박서연", "박서윤"),
    ],
)
def test_a_corrected_name_keeps_only_the_new_one_even_when_diet_tagged_the_old(
    text: str, old: str, name: str
) -> None:
    found = [_diet(text, "person_name", old), _diet(text, "person_name", name)]
    merged = merge_entities(text, found, TODAY, OURS)
    assert _values(merged, "person_name") == [name]


def test_a_name_added_rather_than_corrected_stays() -> None:
    text = "김영희하고 박서연 둘 다 떼려고요"
    found = [_diet(text, "person_name", "김영희"), _diet(text, "person_name", "박서연")]
    merged = merge_entities(text, found, TODAY, OURS)
    assert _values(merged, "person_name") == ["김영희", "박서연"]


def test_entities_outside_the_contract_pass_through_untouched() -> None:
    flag = {"entity": "pii_rrn", "start": 0, "end": 3, "value": "***", "extractor": "PiiGuard"}
    merged = merge_entities("등본이요", [flag], TODAY, OURS)
    assert merged[0] is flag
    assert _values(merged, "document") == ["resident_copy"]


def test_a_diet_span_outside_the_text_is_ignored() -> None:
    bad = {"entity": "person_name", "start": 5, "end": 40, "value": "x", "extractor": DIET}
    assert _values(merge_entities("김치요", [bad], TODAY, OURS), "person_name") == []


def test_values_never_carry_a_resident_registration_number() -> None:
    text = "번호는 500302-1234567 이에요"
    tagged = _diet(text, "order_id", "500302-1234567")
    merged = merge_entities(text, [tagged], TODAY, OURS)
    assert all("1234567" not in str(e["value"]) for e in merged)


@pytest.mark.parametrize(
    ("text", "raw", "expected"),
    [
        ("보험 청구에 필요해요", "청구", []),
        ("보험 청구에 필요해요", "청구에", []),
        ("청구 주민센터 어디예요", "청구", ["청구동"]),
        ("약수 뜨러 가는 길이에요", "약수", []),
        ("약수역 근처예요", "약수", ["약수동"]),
        ("다산 쪽 발급기요", "다산", ["다산동"]),
    ],
)
def test_a_diet_dong_that_is_also_a_common_word_needs_a_place_cue(
    text: str, raw: str, expected: list[str]
) -> None:
    merged = merge_entities(text, [_diet(text, "dong", raw)], TODAY, OURS)
    assert _values(merged, "dong") == expected


@pytest.mark.parametrize(
    ("text", "raw", "expected"),
    [
        # A way the rules do not know, tagged by DIET, is kept with its contract value.
        ("그 무인기계 같은 데서 할게요", "무인기", ["kiosk"]),
        # A bare place in a question is no way of getting a document, whoever tagged it.
        ("주민센터 몇 시까지 해요?", "주민센터", []),
        ("등본 좀 주세요", "등본", []),
    ],
)
def test_a_diet_method_span_is_kept_only_when_it_names_a_way(
    text: str, raw: str, expected: list[str]
) -> None:
    merged = merge_entities(text, [_diet(text, "method", raw)], TODAY, OURS)
    assert _values(merged, "method") == expected


def test_the_rules_name_the_method_with_every_other_value_of_an_order() -> None:
    text = "등본 두 통 주민센터 가서 받을게요 이름은 김영희고요 1950년 3월 2일생이에요"
    merged = merge_entities(text, [], TODAY, OURS)
    assert [(e["entity"], e["value"]) for e in merged] == [
        ("document", "resident_copy"),
        ("copies", "2"),
        ("method", "counter"),
        ("person_name", "김영희"),
        ("birth_date", "1950-03-02"),
    ]


@pytest.mark.parametrize(
    ("text", "raw"),
    [
        ("울 엄마 72세인데 배달 서비스 되나요", "세"),
        ("다리 다친 사람두 서류 배달 받을 수 있어유?", "두"),
        ("인증 문자가 두 번 와서 헷갈려요", "두 번"),
    ],
)
def test_a_diet_count_without_a_counter_inside_a_sentence_is_dropped(text: str, raw: str) -> None:
    merged = merge_entities(text, [_diet(text, "copies", raw)], TODAY, OURS)
    assert _values(merged, "copies") == []


def test_a_diet_count_with_a_counter_is_kept() -> None:
    text = "그 서류 스물세 장 필요해요"
    merged = merge_entities(text, [_diet(text, "copies", "스물세 장")], TODAY, OURS)
    assert _values(merged, "copies") == ["23"]
