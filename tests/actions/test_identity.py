"""Reading bare answers: birth dates typed as digits and names typed as a sentence."""

from __future__ import annotations

from datetime import date

import pytest

from actions.identity import name_from_text, parse_compact_birth_date

TODAY = date(2026, 11, 25)


@pytest.mark.parametrize(
    ("digits", "iso"),
    [
        ("500302", "1950-03-02"),
        ("19500302", "1950-03-02"),
        ("010101", "2001-01-01"),
        ("261231", "1926-12-31"),
        ("991340", None),
        ("1234", None),
    ],
)
def test_compact_birth_dates_follow_the_two_digit_year_rule(digits: str, iso: str | None) -> None:
    assert parse_compact_birth_date(digits, TODAY) == iso


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("김영희요", "김영희"),
        ("김영희입니다", "김영희"),
        ("제 이름은 김영희예요", "김영희"),
        ("박서연", "박서연"),
        ("등본 주세요", None),
        ("010-1234", None),
    ],
)
def test_a_bare_name_is_read_from_the_answer(text: str, name: str | None) -> None:
    assert name_from_text(text) == name
