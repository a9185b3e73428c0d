from datetime import date

import pytest

from nlu.normalise.counts import find_copies, is_age, parse_copies
from nlu.normalise.extract import extract_entities


@pytest.mark.parametrize(
    ("raw", "copies"),
    [
        # nlu-contract.md rows
        ("2통", "2"),
        ("두 통", "2"),
        ("두장", "2"),
        ("2부", "2"),
        ("이 통", "2"),
        ("열 장", "10"),
        ("50건", "50"),
        ("오십 건", "50"),
        ("삼십 부", "30"),
        ("스무 장", "20"),
        ("100통", "100"),
        # more forms
        ("한통", "1"),
        ("한 통", "1"),
        ("한 장이요", "1"),
        ("세 통", "3"),
        ("석 장", "3"),
        ("네 통", "4"),
        ("넉 장", "4"),
        ("다섯장", "5"),
        ("여섯 부", "6"),
        ("일곱 통", "7"),
        ("여덟 장", "8"),
        ("아홉 통", "9"),
        ("열두 장", "12"),
        ("스물다섯 통", "25"),
        ("서른 건", "30"),
        ("마흔 건", "40"),
        ("쉰 건", "50"),
        ("백 통", "100"),
        ("이십오 통", "25"),
        ("10매", "10"),
        ("2 통", "2"),
        ("2개", "2"),
        ("두 개요", "2"),
        ("삼 통", "3"),
        ("이통", "2"),
        ("두 통만 주세요", "2"),
        ("두통씩", "2"),
        ("한부만요", "1"),
        ("2copies", "2"),
        ("둘이요", "2"),
        ("하나요", "1"),
        ("네 하나만요", "1"),
        ("셋", "3"),
        ("두", "2"),
        ("2", "2"),
        ("오십", "50"),
        ("스무", "20"),
    ],
)
def test_copies_normalise_to_decimal_digits(raw: str, copies: str) -> None:
    assert parse_copies(raw) == copies


@pytest.mark.parametrize(
    ("text", "span_text", "copies"),
    [
        ("등본 두 통 주세요", "두 통", "2"),
        ("등본두통이요", "두통", "2"),
        ("주민등록등본 한 통하고 초본 두 통", "한 통", "1"),
        ("채권 추심 때문에 초본 50건 발급하려고요", "50건", "50"),
        ("오십건 발급하려고요", "오십건", "50"),
        ("초본 열두 장 뽑아 주세요", "열두 장", "12"),
        ("가족관계증명서 세 통이랑 기본증명서 한 통", "세 통", "3"),
        ("토지대장한통", "한통", "1"),
        ("초본오십건발급요청", "오십건", "50"),
        ("주민등록등본한통발급이요", "한통", "1"),
        ("삼십 부로 해 주세요", "삼십 부", "30"),
    ],
)
def test_the_first_count_in_a_sentence_keeps_its_span(
    text: str, span_text: str, copies: str
) -> None:
    start, end, value = find_copies(text)[0]
    assert (text[start:end], value) == (span_text, copies)


def test_every_count_in_a_sentence_is_found() -> None:
    text = "등본 한 통하고 초본 두 통이요"
    assert [v for _, _, v in find_copies(text)] == ["1", "2"]


@pytest.mark.parametrize(
    "text",
    [
        "이건 뭐예요",  # "this thing"
        "이 건은 취소해 주세요",
        "일부 서류만 떼도 돼요?",
        "간단한 건 뭐예요",
        "필요한건 뭐예요",
        "세부 사항 알려 주세요",
        "통화하고 싶어요",
        "한 통화만 할게요",
        "말이 통해요",
        "두 개월 전에 신청했어요",
        "사건 접수",
        "구매하려고요",
        "두세 장",
        "010-1234-5678",
        "1950년 3월 2일",
        "신청번호 20481937",
        "장애인 이 장애 등급",
        "부탁드려요",
        "통장 사본도 필요해요?",
        "한두 통",
    ],
)
def test_numbers_without_a_counter_or_words_that_look_like_counts_are_not_copies(
    text: str,
) -> None:
    assert find_copies(text) == []


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("혼인관계증명서 상세로 하나 떼 줘", "1"),
        ("가족관계증명서 상세본 둘이요", "2"),
        ("초본 영문으로 하나만요", "1"),
        ("기본증명서 일반 셋 주세요", "3"),
    ],
)
def test_a_bare_count_after_the_documents_variant_counts_copies(text: str, count: str) -> None:
    spans = extract_entities(text, date(2026, 11, 25))
    assert [s.value for s in spans if s.entity == "copies"] == [count]


@pytest.mark.parametrize(
    ("text", "end_of_number", "age"),
    [
        ("팔십 넘은 어르신인데요", 2, True),
        ("여든 살 어머니요", 2, True),
        ("칠십 세 이상이면 되나요", 2, True),
        ("구십이 넘으셨어요", 2, True),
        ("육십 이상만 돼요", 2, True),
        ("두 통이요", 1, False),
        ("세 장 주세요", 1, False),
        ("열 부만요", 1, False),
    ],
)
def test_a_number_followed_by_an_age_word_is_an_age(
    text: str, end_of_number: int, age: bool
) -> None:
    assert is_age(text, end_of_number) is age


def test_an_age_is_not_a_count() -> None:
    assert find_copies("팔십 넘은 어르신인데요") == []


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("두", "2"),
        ("세", "3"),
        ("둘", "2"),
        ("셋", "3"),
        ("두요", "2"),
        ("음 두", "2"),
        ("네 개", "4"),
        ("세 개요", "3"),
        ("한 개요", "1"),
        ("한 개", "1"),
        ("넷이요", "4"),
        ("다섯요", "5"),
    ],
)
def test_the_counting_word_alone_answers_how_many_copies(text: str, count: str) -> None:
    # The answer to "몇 통 필요하세요?" without 통/장/부 is still a number of copies.
    assert [c for _, _, c in find_copies(text)] == [count]


@pytest.mark.parametrize("text", ["네", "세요", "예", "한 번 더요", "두 번", "네 맞아요"])
def test_yes_and_verb_endings_are_not_a_bare_count(text: str) -> None:
    assert find_copies(text) == []


def test_two_documents_one_copy_each() -> None:
    spans = extract_entities("등본이랑 초본 한 통씩", date(2026, 11, 25))
    assert [(s.entity, s.value) for s in spans] == [
        ("document", "resident_copy"),
        ("document", "resident_abstract"),
        ("copies", "1"),
    ]
