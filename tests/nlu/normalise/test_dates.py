from datetime import date

import pytest

from nlu.normalise.dates import find_birth_dates, parse_birth_date

TODAY = date(2026, 11, 25)


@pytest.mark.parametrize(
    ("raw", "iso"),
    [
        # nlu-contract.md rows
        ("1950년 3월 2일", "1950-03-02"),
        ("50년 3월 2일생", "1950-03-02"),
        ("500302", "1950-03-02"),
        ("오십년 삼월 이일", "1950-03-02"),
        # typed
        ("1950-03-02", "1950-03-02"),
        ("1950.3.2", "1950-03-02"),
        ("1950. 3. 2.", "1950-03-02"),
        ("1950/03/02", "1950-03-02"),
        ("50.03.02", "1950-03-02"),
        ("50-3-2", "1950-03-02"),
        ("19500302", "1950-03-02"),
        ("1950년3월2일", "1950-03-02"),
        ("1950년 03월 02일", "1950-03-02"),
        ("1950년도 3월 2일", "1950-03-02"),
        ("50년생 3월 2일", "1950-03-02"),
        ("오십년생 삼월 이일이요", "1950-03-02"),
        ("생년월일은1950년3월2일", "1950-03-02"),
        ("1990년 7월 15일생이에요", "1990-07-15"),
        ("94년 11월 30일", "1994-11-30"),
        ("85년 1월 20일생입니다", "1985-01-20"),
        ("41년 9월 9일", "1941-09-09"),
        ("88년 5월 5일이요", "1988-05-05"),
        ("05년 5월 5일", "2005-05-05"),
        ("00년 2월 29일", "2000-02-29"),
        # spoken (speech recogniser output)
        ("천구백오십년 삼월 이일", "1950-03-02"),
        ("일천구백오십년 삼월 이일", "1950-03-02"),
        ("이천일년 오월 오일", "2001-05-05"),
        ("오십 년 삼 월 이 일", "1950-03-02"),
        ("생년월일 오십 년 삼 월 이 일이요", "1950-03-02"),
        ("구공년 칠월 십오일", "1990-07-15"),
        ("구십년 칠월 십오일생", "1990-07-15"),
        ("팔십오년 일월 이십일", "1985-01-20"),
        ("사십일년 구월 구일", "1941-09-09"),
        ("천구백사십일년 구월 구일", "1941-09-09"),
        ("구십사년 십일월 삼십일이요", "1994-11-30"),
        ("육십년 유월 십일", "1960-06-10"),
        ("육십년 시월 삼십일일", "1960-10-31"),
        ("칠십년 십이월 이십오일", "1970-12-25"),
        ("일구오공년 삼월 이일", "1950-03-02"),
        ("오공공삼공이", "1950-03-02"),
        ("오공 공삼 공이", "1950-03-02"),
        ("팔팔공오공오", "1988-05-05"),
    ],
)
def test_birth_dates_normalise_to_iso(raw: str, iso: str) -> None:
    assert parse_birth_date(raw, TODAY) == iso


@pytest.mark.parametrize(
    "raw",
    [
        "쉰 살",  # an age is not a date
        "30년 2월 30일",
        "1950년 13월 2일",
        "991332",
        "2048년 1월 1일",  # in the future
        "이천이십칠년 일월 일일",
        "1850년 1월 1일",
        "3월 2일",  # no year
        "50년생",  # no day
        "02-123-4567",
        "010-1234-5678",
        "",
    ],
)
def test_impossible_or_incomplete_dates_give_none(raw: str) -> None:
    assert parse_birth_date(raw, TODAY) is None


def test_two_digit_year_is_this_century_when_that_date_is_not_in_the_future() -> None:
    assert parse_birth_date("250101", date(2026, 1, 1)) == "2025-01-01"
    assert parse_birth_date("261124", date(2026, 11, 25)) == "2026-11-24"


def test_two_digit_year_is_last_century_when_this_century_would_be_in_the_future() -> None:
    assert parse_birth_date("261126", date(2026, 11, 25)) == "1926-11-26"
    assert parse_birth_date("50년 3월 2일", date(2026, 11, 25)) == "1950-03-02"


def test_dates_inside_a_sentence_keep_their_exact_span() -> None:
    text = "제 생년월일은 천구백오십년 삼월 이일이고 이름은 김영희예요"
    ((start, end, iso),) = find_birth_dates(text, TODAY)
    assert (text[start:end], iso) == ("천구백오십년 삼월 이일", "1950-03-02")


def test_day_eleven_and_thirty_one_are_not_cut_at_the_first_il() -> None:
    text = "오십년 십일월 삼십일일생"
    assert find_birth_dates(text, TODAY) == []  # 31 November does not exist
    text = "오십년 시월 삼십일일생"
    assert find_birth_dates(text, TODAY) == [(0, 11, "1950-10-31")]


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("사십오년 음 그러니까 팔월 이십일일생", "1945-08-21"),
        ("45년 아 팔월 이십일일생이에요", "1945-08-21"),
        ("생년월일은 1945년 어 그게 8월 21일이요", "1945-08-21"),
        ("오십년 그 뭐냐 삼월 이일생", "1950-03-02"),
        ("태어난 건 칠십년 아마 유월 육일일 거예요", "1970-06-06"),
    ],
)
def test_a_birth_date_split_by_a_few_words_is_still_found(text: str, iso: str) -> None:
    assert [d[2] for d in find_birth_dates(text, TODAY)] == [iso]


@pytest.mark.parametrize(
    "text",
    [
        "2020년에 이사 와서 3월 2일에 신청했어요",
        "사십오년 음 그러니까 팔월 이십일일",
        "작년에 그 이사하고 삼월 이일에 갔어요",
    ],
)
def test_a_year_and_a_day_apart_without_a_birth_word_are_no_birth_date(text: str) -> None:
    assert find_birth_dates(text, TODAY) == []
