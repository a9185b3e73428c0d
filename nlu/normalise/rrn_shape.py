"""What a resident registration number (주민등록번호) looks like, for the extractor and nlu.pii."""

from __future__ import annotations

import re
from datetime import date

RRN_DIGITS = 13
_BIRTH_PART = 6
_CUE_WINDOW = 24
_RRN_CUE = re.compile(r"주민\s*(?:등록)?\s*번호|주민\s*번|주번")


def is_rrn_shaped(digits: str, sizes: list[int], *, has_cue: bool) -> bool:
    """True for 13 digits that read as an RRN.

    The first six must be a calendar MMDD after the year, and the groups must break after the
    sixth digit (6 + 7, or finer as when read aloud in pairs) or not at all. When the text
    calls it a 주민번호, any 13 digits count: a mistyped RRN is still personal data.
    """
    if len(digits) != RRN_DIGITS or not digits.isdigit():
        return False
    if has_cue:
        return True
    month, day = int(digits[2:4]), int(digits[4:6])
    try:
        date(2000, month, day)  # 2000 is leap: 29 February is a real birthday
    except ValueError:
        return False
    if len(sizes) == 1:
        return True
    boundaries, total = set(), 0
    for size in sizes:
        total += size
        boundaries.add(total)
    return _BIRTH_PART in boundaries


def has_rrn_cue(text: str, start: int) -> bool:
    """True when "주민(등록)번호" is written shortly before `start`."""
    return _RRN_CUE.search(text, max(0, start - _CUE_WINDOW), start) is not None


RRN_FRONT_DIGITS = _BIRTH_PART
RRN_BACK_DIGITS = RRN_DIGITS - _BIRTH_PART
# The first digit of the back half: century and sex (1-4 Koreans, 5-8 foreign residents; 9 and 0
# were for the 1800s and no living resident has them).
_BACK_HALF_FIRST = frozenset("12345678")


def is_birth_date_part(digits: str) -> bool:
    """True for six digits that read as YYMMDD (the front half of an RRN, or a birth date)."""
    if len(digits) != _BIRTH_PART or not digits.isdigit():
        return False
    try:
        date(2000, int(digits[2:4]), int(digits[4:6]))
    except ValueError:
        return False
    return True


def is_rrn_back_half(digits: str) -> bool:
    """True for seven digits that can be an RRN's back half (first digit 1-8)."""
    return len(digits) == RRN_BACK_DIGITS and digits.isdigit() and digits[0] in _BACK_HALF_FIRST
