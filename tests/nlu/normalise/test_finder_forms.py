"""The rule finder finds the glued counts and bare birth dates that `normalise` handles."""

from datetime import date

import pytest

from nlu.normalise.counts import find_copies
from nlu.normalise.extract import extract_entities, normalise

TODAY = date(2026, 11, 25)


def _found(text: str, today: date = TODAY) -> list[tuple[str, str, str]]:
    return [(e.entity, e.text, e.value) for e in extract_entities(text, today)]


def _copies(text: str) -> list[tuple[str, str]]:
    return [(e.text, e.value) for e in extract_entities(text, TODAY) if e.entity == "copies"]


@pytest.mark.parametrize(
    ("text", "span", "copies"),
    [
        ("한통", "한통", "1"),
        ("한통이요", "한통", "1"),
        ("등본 한통 주세요", "한통", "1"),
        ("오십건", "오십건", "50"),
        ("초본 오십건 발급하려고요", "오십건", "50"),
        ("오십건이요", "오십건", "50"),
        ("등본 두통 떼주세요", "두통", "2"),
        ("등본두통이요", "두통", "2"),
        ("등본은 두통 필요해요", "두통", "2"),
        ("초본 영문으로 두통이요", "두통", "2"),
        ("가족관계증명서 두통이랑 초본 한통", "두통", "2"),
        ("두통 떼 주세요", "두통", "2"),
        ("두통 발급해 주세요", "두통", "2"),
        ("두통만 주세요", "두통", "2"),
        ("두통씩 주세요", "두통", "2"),
        ("삼십 부로", "삼십 부", "30"),
        ("삼십 부로 해 주세요", "삼십 부", "30"),
        ("삼십부로요", "삼십부", "30"),
    ],
)
def test_a_count_typed_without_a_space_is_found(text: str, span: str, copies: str) -> None:
    assert _copies(text)[0] == (span, copies)
    assert normalise("copies", span, TODAY) == copies


@pytest.mark.parametrize(
    "text",
    [
        "두통이 심해요",
        "두통 때문에 못 가요",
        "머리가 아파요 두통이 있어서",
        "두통이 있어서 등본 떼러 못 가요",
        "등본 떼러 가야 하는데 두통이 심해서요",
        "두통약 있어요?",
    ],
)
def test_a_headache_is_not_a_number_of_copies(text: str) -> None:
    assert _copies(text) == []
    assert find_copies(text) == []


def test_a_span_already_tagged_as_copies_reads_two_for_dutong() -> None:
    assert normalise("copies", "두통", TODAY) == "2"
    assert normalise("copies", "두통이요", TODAY) == "2"


@pytest.mark.parametrize(
    ("text", "span", "iso"),
    [
        ("020704", "020704", "2002-07-04"),
        ("030528", "030528", "2003-05-28"),
        ("020704요", "020704", "2002-07-04"),
        ("030528이에요", "030528", "2003-05-28"),
        ("생년월일 030528이요", "030528", "2003-05-28"),
        ("991231", "991231", "1999-12-31"),
        ("500302", "500302", "1950-03-02"),
    ],
)
def test_a_bare_six_digit_birth_date_is_found(text: str, span: str, iso: str) -> None:
    assert _found(text) == [("birth_date", span, iso)]
    assert normalise("birth_date", text, TODAY) == iso


@pytest.mark.parametrize(
    ("digits", "today", "iso"),
    [
        ("261125", date(2026, 11, 25), "2026-11-25"),  # today is not in the future
        ("261126", date(2026, 11, 25), "1926-11-26"),  # tomorrow in 2026 would be
        ("020704", date(2002, 7, 3), "1902-07-04"),
        ("030528", date(2030, 1, 1), "2003-05-28"),
    ],
)
def test_a_two_digit_year_is_20yy_unless_that_is_in_the_future(
    digits: str, today: date, iso: str
) -> None:
    assert _found(digits, today) == [("birth_date", digits, iso)]
    assert normalise("birth_date", digits, today) == iso
