"""Text for the ear: numbers, dates, times and amounts as an elderly listener expects them.

A TTS reads "20481937" as one huge number, "1,000원" as "일 쉼표 영영영 원" and "(인터넷)" with
a pause it does not explain. :func:`for_ear` rewrites a rendered response before it is spoken:

- order, phone, code and other long numbers digit by digit in groups ("이공사팔, 일구삼칠");
  a phone number's 0 is "공", as residents say it;
- dates as 년 월 일 in Sino-Korean numbers ("이천이십육 년 십이 월 사 일"; 6 and 10 are 유월, 시월);
- clock times as "오후 세 시 반";
- amounts in 원 ("천 원", "만 이천 원");
- counts with native numbers before native counters ("한 통", "세 시간") and Sino-Korean ones
  before the others ("삼십 분", "오십 건");
- masked digits ("010-****-5678") as the part a listener can use ("끝자리 오육칠팔");
- brackets, slashes and other symbols a TTS would read aloud or skip oddly, as pauses.

Which numbers must be said twice is the response's business (its voice variation repeats the
variable), not this module's.
"""

from __future__ import annotations

import re
from typing import Final

DIGIT_NAMES: Final = ("공", "일", "이", "삼", "사", "오", "육", "칠", "팔", "구")
_SINO_DIGITS: Final = ("", "일", "이", "삼", "사", "오", "육", "칠", "팔", "구")
_SINO_UNITS: Final = ((1000, "천"), (100, "백"), (10, "십"))
_NATIVE_ONES: Final = ("", "한", "두", "세", "네", "다섯", "여섯", "일곱", "여덟", "아홉")
_NATIVE_TENS: Final = ("", "열", "스물", "서른", "마흔", "쉰", "예순", "일흔", "여든", "아흔")
# Counters that take native numbers (한 통, 세 시간, 두 번째는 아님: 번 is read as a key number).
NATIVE_COUNTERS: Final = ("통", "장", "개", "시간", "명", "곳", "자리", "살", "시", "가지", "부")
SINO_COUNTERS: Final = ("분", "초", "일", "월", "년", "원", "번", "건", "종", "층", "호", "동", "세")


def sino(number: int) -> str:
    """Return ``number`` (0 ≤ n < 10^12) in Sino-Korean words: 1000 → 천, 12000 → 만 이천."""
    if number < 0:
        return "마이너스 " + sino(-number)
    if number == 0:
        return "영"
    parts: list[str] = []
    for value, unit in ((10**8, "억"), (10**4, "만")):
        big, number = divmod(number, value)
        if big:
            # 만 alone (10000) is "만", not "일만"; 억 is said with its one ("일억")
            head = "" if big == 1 and unit == "만" else _below_10000(big)
            parts.append(head + unit)
    if number:
        parts.append(_below_10000(number))
    return " ".join(parts)


def _below_10000(number: int) -> str:
    words = ""
    for value, unit in _SINO_UNITS:
        digit, number = divmod(number, value)
        if digit:
            words += ("" if digit == 1 else _SINO_DIGITS[digit]) + unit
    return words + _SINO_DIGITS[number]


def native(number: int) -> str:
    """Return a count 1–99 in native numbers as said before a counter (한, 스무, 스물한)."""
    if not 1 <= number <= 99:
        return sino(number)
    tens, ones = divmod(number, 10)
    if tens == 2 and ones == 0:
        return "스무"
    return _NATIVE_TENS[tens] + _NATIVE_ONES[ones]


def month_words(month: int) -> str:
    return {6: "유월", 10: "시월"}.get(month, f"{sino(month)} 월")


def digits_spoken(digits: str, groups: tuple[int, ...] | None = None) -> str:
    """Digits one by one, in groups separated by a pause: "01012345678" → 공일공, 일이삼사, 오육칠팔."""
    digits = re.sub(r"\D", "", digits)
    sizes = groups or default_groups(len(digits))
    chunks: list[str] = []
    start = 0
    for size in sizes:
        if start >= len(digits):
            break
        chunks.append("".join(DIGIT_NAMES[int(d)] for d in digits[start : start + size]))
        start += size
    if start < len(digits):
        chunks.append("".join(DIGIT_NAMES[int(d)] for d in digits[start:]))
    return ", ".join(chunks)


def default_groups(length: int) -> tuple[int, ...]:
    """Groups a listener can hold: phones 3-4-4 (or 3-3-4), business numbers 3-2-5, else fours."""
    return {
        11: (3, 4, 4), 10: (3, 3, 4), 9: (2, 3, 4), 8: (4, 4), 7: (3, 4), 6: (3, 3), 5: (5,),
    }.get(length, tuple([4] * (length // 4 + 1)))


def clock(hour: int, minute: int) -> str:
    """24-hour time as said aloud: 15:30 → 오후 세 시 반, 12:00 → 낮 열두 시, 9:05 → 오전 아홉 시 오 분."""
    if hour == 12:
        period, shown = "낮", 12
    elif hour == 0 or hour == 24:
        period, shown = "밤", 12
    elif hour < 12:
        period, shown = "오전", hour
    else:
        period, shown = "오후", hour - 12
    said = f"{period} {native(shown)} 시"
    if minute == 30:
        return f"{said} 반"
    if minute:
        return f"{said} {sino(minute)} 분"
    return said


_MASKED_PHONE: Final = re.compile(r"\d{2,3}[-\s]?[*＊xX]{3,4}[-\s]?(\d{4})")
_MASKED_ANY: Final = re.compile(r"\s*[*＊]+")
_ISO_DATE: Final = re.compile(r"(\d{4})[-./](\d{1,2})[-./](\d{1,2})")
_KOREAN_DATE: Final = re.compile(r"(?:(\d{2,4})\s*년\s*)?(\d{1,2})\s*월\s*(\d{1,2})\s*일")
_TIME: Final = re.compile(r"(\d{1,2}):(\d{2})")
_PHONE: Final = re.compile(r"(?<!\d)(0\d{1,2})[-\s](\d{3,4})[-\s](\d{4})(?!\d)")
_AMOUNT: Final = re.compile(r"(\d{1,3}(?:,\d{3})+|\d+)\s*원")
_GROUPED: Final = re.compile(r"(?<![\d,])(\d{1,3}(?:,\d{3})+)(?![\d,])")
_COUNTED: Final = re.compile(
    r"(\d+)\s*(" + "|".join(sorted(NATIVE_COUNTERS + SINO_COUNTERS, key=len, reverse=True)) + ")"
)
_LONG_RUN: Final = re.compile(r"\d{5,}")
_DASHED_DIGITS: Final = re.compile(r"(?<!\d)\d+(?:-\d+)+(?!\d)")
_NUMBER: Final = re.compile(r"\d+")
_BRACKETS: Final = re.compile(r"[(\[{（「『【]\s*([^)\]}）」』】]*?)\s*[)\]}）」』】]")
_URL: Final = re.compile(r"(?:https?://|www\.)\S+")
# symbols a TTS reads out or stumbles on, and what the ear should get instead
_SYMBOLS: Final = {
    "·": " ", "/": ", ", "~": "부터 ", ":": ", ", ";": ", ", "-": " ", "•": "", "*": "",
    "'": "", '"': "", "‘": "", "’": "", "“": "", "”": "", "…": ".", "%": " 퍼센트", "&": " 그리고 ",
    "+": " 더하기 ", "=": " ", "#": " 우물 정 ", "_": " ", "|": ", ", "\n": " ",
}
# words written with Latin letters or digits that have a spoken form
_SPOKEN_WORDS: Final = {
    "정부24(인터넷)": "정부 이십사", "정부24": "정부 이십사", "등·초본": "등본과 초본", "SMS": "문자", "ZONE": "존", "MOU": "엠오유", "ID": "아이디",
    "PDF": "피디에프", "OK": "오케이",
}
_SPACES: Final = re.compile(r"[ \t]+")
_SPACE_BEFORE_PUNCT: Final = re.compile(r"\s+([,.?!])")
_REPEATED_COMMA: Final = re.compile(r",(\s*,)+")


def for_ear(text: str) -> str:
    """Return ``text`` rewritten so a Korean TTS reads it as a listener expects (module doc)."""
    spoken = _URL.sub("", text)
    for written, said in _SPOKEN_WORDS.items():
        spoken = spoken.replace(written, said)
    spoken = _MASKED_PHONE.sub(lambda m: f"끝자리 {digits_spoken(m.group(1))}", spoken)
    spoken = _MASKED_ANY.sub("", spoken)
    spoken = _ISO_DATE.sub(lambda m: _date(m.group(1), m.group(2), m.group(3)), spoken)
    spoken = _KOREAN_DATE.sub(lambda m: _date(m.group(1), m.group(2), m.group(3)), spoken)
    spoken = _TIME.sub(lambda m: clock(int(m.group(1)), int(m.group(2))), spoken)
    spoken = _PHONE.sub(lambda m: digits_spoken("".join(m.groups()), tuple(
        len(g) for g in m.groups())), spoken)
    spoken = _AMOUNT.sub(lambda m: f"{sino(int(m.group(1).replace(',', '')))} 원", spoken)
    spoken = _GROUPED.sub(lambda m: sino(int(m.group(1).replace(",", ""))), spoken)
    spoken = _LONG_RUN.sub(lambda m: digits_spoken(m.group(0)), spoken)
    spoken = _DASHED_DIGITS.sub(
        lambda m: digits_spoken(m.group(0), tuple(len(g) for g in m.group(0).split("-"))), spoken
    )
    spoken = _COUNTED.sub(_counted, spoken)
    spoken = _NUMBER.sub(lambda m: sino(int(m.group(0))), spoken)
    # an aside stays attached to the particle after it: "정부24(인터넷)로" → "정부 이십사 인터넷로"
    spoken = _BRACKETS.sub(lambda m: f" {m.group(1)}" if m.group(1).strip() else "", spoken)
    for symbol, said in _SYMBOLS.items():
        spoken = spoken.replace(symbol, said)
    spoken = re.sub(r"[()\[\]{}<>]", " ", spoken)
    spoken = _SPACES.sub(" ", spoken)
    spoken = _SPACE_BEFORE_PUNCT.sub(r"\1", spoken)
    spoken = _REPEATED_COMMA.sub(",", spoken)
    spoken = re.sub(r",\s*([.?!])", r"\1", spoken)
    spoken = re.sub(r"^\s*,\s*", "", spoken)
    return spoken.strip()


def _date(year: str | None, month: str, day: str) -> str:
    words = []
    if year:
        number = int(year)
        words.append(f"{sino(number)} 년")
    words.append(month_words(int(month)))
    words.append(f"{sino(int(day))} 일")
    return " ".join(words)


def _counted(match: re.Match[str]) -> str:
    number, counter = int(match.group(1)), match.group(2)
    if counter in NATIVE_COUNTERS and 1 <= number <= 99:
        return f"{native(number)} {counter}"
    return f"{sino(number)} {counter}"


# What a TTS would misread: anything but Hangul syllables, spaces and sentence punctuation.
_UNSPEAKABLE: Final = re.compile(r"[^\uac00-\ud7a3\s.,?!]")


def unspeakable(text: str) -> list[str]:
    """Characters in ``text`` a Korean TTS would misread or spell out (for tests and checks)."""
    return sorted(set(_UNSPEAKABLE.findall(text)))
