"""Birth dates to ISO `YYYY-MM-DD`, from typed, spoken and keypad forms.

"1950년 3월 2일", "50년 3월 2일생", "오십년 삼월 이일", "1950.3.2", "500302", "19500302" all mean
1950-03-02. Two-digit years follow nlu-contract.md: 20YY when that date is not in the future,
else 19YY. A birth date is never in the future and never before 1900.
"""

from __future__ import annotations

import re
from datetime import date

from nlu.normalise.digit_runs import digits_in
from nlu.normalise.spoken_digits import sino_number, spoken_digits

_SINO = "천백십공영일이삼사오육륙칠팔구"
_YEAR = (
    rf"(?:(?<!\d)(?P<ya>\d{{4}}|\d{{2}})|(?<![가-힣])(?P<ys>[{_SINO}](?:\s?[{_SINO}])*))"
    r"\s*년(?:도|생)?\s*"
)
_MONTH_DAY = (
    r"(?P<m>\d{1,2}|유|시|[일이삼사오육륙칠팔구십]{1,3})\s*월\s*"
    r"(?P<d>\d{1,2}|[일이삼사오육륙칠팔구십]{1,4}?)\s*일"
)
_KOREAN_DATE = re.compile(_YEAR + _MONTH_DAY)
# "사십오년 음 그러니까 팔월 이십일일생": a year, a few words of hesitation, then month and day.
# Kept only as a birth date ("...생" after it, or a birth word before or inside it).
_SPLIT_DATE = re.compile(_YEAR + r"(?:[가-힣]{1,6}[\s,.~]+){1,3}" + _MONTH_DAY)
_SPLIT_BIRTH_AFTER = re.compile(r"\s*생(?![각활])")
_BIRTH_WORDS = re.compile(r"생년\s*월일|생일|태어|출생|생년")
_NUMERIC_DATE = re.compile(
    r"(?<![\d.\-/])(?P<y>\d{4}|\d{2})\s*(?P<sep>[-./])\s*(?P<m>\d{1,2})\s*(?P=sep)\s*(?P<d>\d{1,2})"
    r"(?![\d]|[-/]\d)"
)
_SPOKEN_MONTHS = {"유": 6, "시": 10}
_EARLIEST_YEAR = 1900
_TWO_DIGITS = 100


def _full_year(year: int, month: int, day: int, today: date) -> int:
    """Resolve a two-digit year by the contract rule; keep four-digit years as they are."""
    if year >= _TWO_DIGITS:
        return year
    try:
        this_century = date(2000 + year, month, day)
    except ValueError:
        # Not a day in 20YY (30 February, or 29 February when 20YY is not leap): only the
        # 1900s reading is left to check.
        return 1900 + year
    return 2000 + year if this_century <= today else 1900 + year


def birth_date_iso(year: int, month: int, day: int, today: date) -> str | None:
    """ISO birth date, or None for an impossible or future date."""
    full = _full_year(year, month, day, today)
    if full < _EARLIEST_YEAR:
        return None
    try:
        born = date(full, month, day)
    except ValueError:
        return None
    if born > today:
        return None
    return born.isoformat()


def digits_to_birth_date(digits: str, today: date) -> str | None:
    """`YYMMDD` or `YYYYMMDD` digits as an ISO birth date, or None."""
    if not digits.isdigit():
        return None
    if len(digits) == 6:  # YYMMDD, the keypad form
        return birth_date_iso(int(digits[:2]), int(digits[2:4]), int(digits[4:]), today)
    if len(digits) == 8:  # YYYYMMDD
        return birth_date_iso(int(digits[:4]), int(digits[4:6]), int(digits[6:]), today)
    return None


def _year_value(text: str) -> int | None:
    compact = re.sub(r"\s+", "", text)
    value = sino_number(compact)
    if value is not None and value < 10_000:
        return value
    digits = spoken_digits(compact)  # "구공년" read digit by digit
    if digits is not None and len(digits) in (2, 4):
        return int(digits)
    return None


def _small_value(text: str) -> int | None:
    if text in _SPOKEN_MONTHS:
        return _SPOKEN_MONTHS[text]
    return sino_number(text)


# "2024년 3월 2일에 신청했는데": the day something happened, not a birthday.
_EVENT_AFTER = re.compile(
    r"^\s*(?:에|날|쯤에?|경에?)\s*(?:[가-힣]+\s+)?(?:신청|접수|방문|갔|왔|다녀|예약|발급|떼|뗐|주문|"
    r"전입|이사|전화|받|보냈|냈)"
)


# A date in the last year with no birth word is the day of a visit or a request ("2025년 1월
# 3일", "12월 24일에"), not the birth date of a resident who types to the district office.
_RECENT_DAYS = 366


def find_birth_dates(text: str, today: date) -> list[tuple[int, int, str]]:
    """(start, end, ISO date) of every date written with 년/월/일 or as Y.M.D / Y-M-D.

    A date followed by an event ("...에 신청했는데") is when something happened, so it is left out,
    and so is a date of the last year that no birth word marks.
    """
    return [
        d
        for d in _find_dates(text, today)
        if not _EVENT_AFTER.match(text[d[1] :]) and not _recent_without_birth_cue(text, d, today)
    ]


def _recent_without_birth_cue(text: str, found: tuple[int, int, str], today: date) -> bool:
    start, end, iso = found
    if (today - date.fromisoformat(iso)).days > _RECENT_DAYS:
        return False
    birth_word = _BIRTH_WORDS.search(text, max(0, start - 12), end)
    return birth_word is None and not _SPLIT_BIRTH_AFTER.match(text, end)


def _find_dates(text: str, today: date) -> list[tuple[int, int, str]]:
    found: list[tuple[int, int, str]] = []
    pos = 0
    while (match := _KOREAN_DATE.search(text, pos)) is not None:
        parsed = _parse_korean_match(text, match, today)
        if parsed is None:
            pos = match.start() + 1
            continue
        found.append(parsed)
        pos = parsed[1]
    for match in _SPLIT_DATE.finditer(text):
        parsed = _parse_korean_match(text, match, today)
        if parsed is None or any(s < parsed[1] and parsed[0] < e for s, e, _ in found):
            continue
        birth_word = _BIRTH_WORDS.search(text, max(0, parsed[0] - 12), parsed[1])
        if birth_word or _SPLIT_BIRTH_AFTER.match(text, parsed[1]):
            found.append(parsed)
    for match in [*_NUMERIC_DATE.finditer(text), *_spaced_birth_dates(text)]:
        if any(s < match.end() and match.start() < e for s, e, _ in found):
            continue
        iso = birth_date_iso(int(match["y"]), int(match["m"]), int(match["d"]), today)
        if iso is not None:
            found.append((match.start(), match.end(), iso))
    return sorted(found)


# "생년월일 1950 3 2", "생년월일 50 3 2": year, month and day set apart by spaces only. Read as a
# date right after a birth word; elsewhere such numbers are anything.
_SPACED_DATE = re.compile(
    r"(?<![\d\-.])(?P<y>\d{4}|\d{2}) +(?P<m>\d{1,2}) +(?P<d>\d{1,2})(?![\d\-.])"
)
_BIRTH_WORD_BEFORE = re.compile(r"(?:생년\s*월일|생일|생년)\s*(?:은|는|이|:)?\s*$")


def _spaced_birth_dates(text: str) -> list[re.Match[str]]:
    return [
        match
        for match in _SPACED_DATE.finditer(text)
        if _BIRTH_WORD_BEFORE.search(text, 0, match.start())
    ]


def _parse_korean_match(
    text: str, match: re.Match[str], today: date
) -> tuple[int, int, str] | None:
    year_text = match["ya"] or match["ys"]
    year = int(year_text) if match["ya"] else _year_value(year_text)
    month = _small_value(match["m"])
    day = _small_value(match["d"])
    end = match.end()
    # "삼십일일": the lazy day stops at "삼십" + "일"; take the longer reading when it is a day.
    if end < len(text) and text[end] == "일":
        longer = sino_number(match["d"] + "일")
        if longer is not None and 1 <= longer <= 31:
            day, end = longer, end + 1
    if year is None or month is None or day is None:
        return None
    iso = birth_date_iso(year, month, day, today)
    if iso is None:
        return None
    start = match.start("ya") if match["ya"] else match.start("ys")
    return (start, end, iso)


def parse_birth_date(text: str, today: date) -> str | None:
    """Normalise a birth-date span to ISO `YYYY-MM-DD`, or None when it is not one.

    Accepts the dated forms of `find_birth_dates` and bare YYMMDD / YYYYMMDD digits, typed or
    spoken ("오공공삼공이").
    """
    dates = find_birth_dates(text, today)
    if dates:
        return dates[0][2]
    digits = digits_in(text, (6, 8))
    return None if digits is None else digits_to_birth_date(digits, today)
