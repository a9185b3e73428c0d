"""Korean numbers as residents say them: spoken digits, Sino-Korean and native numbers.

The three systems answer different questions:
- spoken digits ("공일공 일이삼사") read a number digit by digit, as for phones and codes;
- Sino-Korean numbers ("천구백오십", "이십오") are used for years, months, days and bulk counts;
- native numbers ("두", "스물다섯") count copies ("두 통").
"""

from __future__ import annotations

import re

# nlu-contract.md "Spoken Korean digits".
DIGIT_BY_SYLLABLE: dict[str, str] = {
    "공": "0",
    "영": "0",
    "일": "1",
    "이": "2",
    "삼": "3",
    "사": "4",
    "오": "5",
    "육": "6",
    "륙": "6",
    "칠": "7",
    "팔": "8",
    "구": "9",
}
SPOKEN_DIGIT_CHARS = "".join(DIGIT_BY_SYLLABLE)

# What people put between digit groups when they read a number aloud: a pause ("에", "의") or
# the dash read out ("다시").
_GROUP_JOINER = re.compile(r"(?:[\s\-.,·]|에|의|다시)+")

_SINO_DIGITS: dict[str, int] = {
    "영": 0,
    "공": 0,
    "일": 1,
    "이": 2,
    "삼": 3,
    "사": 4,
    "오": 5,
    "육": 6,
    "륙": 6,
    "칠": 7,
    "팔": 8,
    "구": 9,
}
_SINO_SMALL_UNITS: dict[str, int] = {"십": 10, "백": 100, "천": 1000}
_SINO_BIG_UNITS: dict[str, int] = {"만": 10_000}

# Native tens and units, in the forms used before a counter ("두 통") and alone ("둘이요").
_NATIVE_TENS: dict[str, int] = {
    "열": 10,
    "스물": 20,
    "스무": 20,
    "서른": 30,
    "마흔": 40,
    "쉰": 50,
    "예순": 60,
    "일흔": 70,
    "여든": 80,
    "아흔": 90,
}
_NATIVE_UNITS: dict[str, int] = {
    "하나": 1,
    "한": 1,
    "둘": 2,
    "두": 2,
    "셋": 3,
    "세": 3,
    "석": 3,
    "넷": 4,
    "네": 4,
    "넉": 4,
    "다섯": 5,
    "여섯": 6,
    "일곱": 7,
    "여덟": 8,
    "여덜": 8,
    "아홉": 9,
}


def spoken_digits(text: str) -> str | None:
    """Read a number said or typed digit by digit.

    Returns the digit string for text made only of Arabic digits, spoken digit syllables and
    the separators people use between groups ("공일공에 일이삼사", "010 일이삼사 5678",
    "공일공 다시 일이삼사"), or None when anything else is in the text.
    """
    groups = [g for g in _GROUP_JOINER.split(text.strip()) if g]
    if not groups:
        return None
    digits: list[str] = []
    for group in groups:
        for char in group:
            if char.isascii() and char.isdigit():
                digits.append(char)
            elif char in DIGIT_BY_SYLLABLE:
                digits.append(DIGIT_BY_SYLLABLE[char])
            else:
                return None
    return "".join(digits)


def sino_number(text: str) -> int | None:
    """Value of a Sino-Korean number ("오십" 50, "천 구백 오십" 1950, "이십오" 25, "백" 100).

    Arabic digits alone are accepted too. Returns None for anything else, including a bare run
    of digit syllables like "일이", which is a spoken digit string, not a Sino-Korean number.
    """
    compact = re.sub(r"\s+", "", text)
    if not compact:
        return None
    if compact.isascii() and compact.isdigit():
        return int(compact)
    total = 0
    section = 0  # value below 10,000 being built
    pending: int | None = None  # digit waiting for its unit
    for char in compact:
        if char in _SINO_DIGITS:
            if pending is not None:
                return None  # two digits in a row: spoken digits, not a Sino number
            pending = _SINO_DIGITS[char]
        elif char in _SINO_SMALL_UNITS:
            unit = _SINO_SMALL_UNITS[char]
            if section % (unit * 10) != 0:
                return None  # units must fall: "십백" is not a number
            section += (1 if pending is None else pending) * unit
            pending = None
        elif char in _SINO_BIG_UNITS:
            section += pending or 0
            total += (section or 1) * _SINO_BIG_UNITS[char]
            section, pending = 0, None
        else:
            return None
    if pending is not None:
        section += pending
    return total + section


def native_number(text: str) -> int | None:
    """Value of a native Korean number ("두" 2, "열두" 12, "스물다섯" 25, "쉰" 50).

    Returns None when the text is not one native number.
    """
    compact = re.sub(r"\s+", "", text)
    if not compact:
        return None
    value = 0
    rest = compact
    for word, tens in sorted(_NATIVE_TENS.items(), key=lambda kv: -len(kv[0])):
        if rest.startswith(word):
            value, rest = tens, rest[len(word) :]
            break
    if rest:
        units = _NATIVE_UNITS.get(rest)
        if units is None:
            return None
        value += units
    return value or None


def count_number(text: str) -> int | None:
    """Value of a number used as a count: Arabic, native ("두") or Sino-Korean ("오십")."""
    stripped = text.strip()
    if not stripped:
        return None
    native = native_number(stripped)
    if native is not None:
        return native
    return sino_number(stripped)
