"""Find numbers read or typed as digits inside free text, with their exact spans.

A *group* is an unbroken stretch of Arabic digits and spoken digit syllables ("010", "일이삼사",
"010일이삼사"); a *run* is a chain of groups joined only by what people put between them
("-", spaces, "에", "다시"). Phones, codes, order numbers, birth dates and RRNs are all runs, so
the extractor and the PII guard share this scanner and differ only in how they judge a run.

The spoken syllables are also ordinary words ("이" this, "일" work, "사이" between), so a short
group of syllables only counts when it stands alone, and a trailing "이" followed by a copula
ending ("오육칠팔이에요") is offered both with and without that digit.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from nlu.normalise.spoken_digits import DIGIT_BY_SYLLABLE, sino_number

# "ㅡ" (the vowel key) is typed as a dash on Korean keyboards: "010ㅡ1234ㅡ5678".
# "010)1234-5678", "(02)2260-1234": the area code's brackets, typed or half typed.
_JOINER = re.compile(r"(?:[ \t\u00a0\-\u2010-\u2015\uff0d.,·ㆍ~_/ㅡ()]|에|의|다시)+")
# "010이구요 1234에 5678이요": an elderly caller closes each group of a phone number like a
# clause. Only inside a number that starts like a phone (0…), so "123이고 456" stays apart.
_CLAUSE_PAUSE = re.compile(r"이?(?:구요|고요|구|고|요)[\s,.]+")
_PHONE_HEAD_MAX = 7
# Full-width digits come from some phone keyboards and input methods.
_FULL_WIDTH_DIGITS = {chr(0xFF10 + n): str(n) for n in range(10)}
_MAX_JOINER_CHARS = 6

# Syllable groups that are common words when they stand alone at the start of a run
# ("이사 가요", "공사 중").
_WORD_LIKE_GROUPS = frozenset(
    {"이사", "사이", "공사", "오일", "구이", "오이", "일일", "영구", "구사"}
)

# A digit group directly followed by one of these is a quantity, not an identifier.
# The unit must end its word or take a particle, so "5678 부탁해요" keeps its digits.
_UNIT_AFTER = re.compile(
    r"\s?(?:원|%|퍼센트|살|세|시|분|초|층|번지|개월|년|월|명|등|위|통|장|부|건|매|개"
    r"|번째|차례|회|동|호|평|달|kg|km|cm|mm)"
    r"(?:(?![가-힣])|(?=[이가은는을를에요쯤까부만도씩예입인으로째후전동밖안내짜정]))"
    # "5천원", "3만 원": glued multipliers; "공일공 천이백..." is a phone read as numbers.
    r"|(?:만|천|억)(?:\s?원|(?![가-힣]))",
)
# Endings that turn a trailing "이" into the copula ("오육칠팔이에요" -> ...8, not ...82).
# Dialect copulas too: "...팔이유", "...팔이여", "...팔이에여", "...팔이우다".
_COPULA_AFTER_I = re.compile(
    r"에요|예요|에여|에유|요|고|라|야|었|였|다(?!시)|며|면|니|랑|나|지|든|죠|네|거|유|여|우"
)
# "...칠일걸요", "...칠일 거예요": the copula "일" (it will be), not the digit 1.
_COPULA_I_L = re.compile(r"\s?(?:걸|거|꺼|껄|지도|지 몰|수도|\s수)")
# "1,500원"; not the commas between answers in "김영희,500302,010-1234-5678".
_AMOUNT = re.compile(r"(?<!\d)\d{1,3}(?:,\d{3})+(?!\d)")
_SHORT_GROUP_MAX = 3
# Elderly callers read four-digit groups as numbers: "공일공 천이백삼십사 오천육백칠십팔".
_SINO_UNITS = frozenset("십백천")
_SINO_START = frozenset("천백일이삼사오육칠팔구")
_SINO_GROUP_MIN, _SINO_GROUP_MAX = 100, 9999
# Spoken syllables glued to typed digits that are an ending, not digits: "이구요" (casual
# copula), "이오", "이십니다" (honorific copula), "일" of "일걸요", "이" of "이에요".
_TAIL_ENDINGS = frozenset({"이", "일", "이구", "이오", "이십"})
# Endings that close a short spoken group without making it a word ("팔팔 공오 공오요").
_SHORT_GROUP_ENDING = re.compile(
    r"(?:요|예요|에요|입니다|이요|이고|고요|번|이랑|까지|으로|이에요)(?![가-힣])"
)


def is_digit_char(char: str) -> bool:
    """True for an ASCII digit or a spoken digit syllable."""
    return (
        (char.isascii() and char.isdigit())
        or char in DIGIT_BY_SYLLABLE
        or char in _FULL_WIDTH_DIGITS
    )


def _is_hangul(char: str) -> bool:
    return "\uac00" <= char <= "\ud7a3"


@dataclass(frozen=True, slots=True)
class DigitGroup:
    """One unbroken stretch of digits; `copula_end` is set when its last "이" may be a copula."""

    start: int
    end: int
    digits: str
    is_spoken: bool
    copula_end: int | None = None
    after_plus: bool = False

    def variants(self) -> list[tuple[str, int]]:
        """(digits, end) readings: as written, then without a trailing copula "이"."""
        readings = [(self.digits, self.end)]
        if self.copula_end is not None:
            readings.append((self.digits[:-1], self.copula_end))
        return readings


@dataclass(frozen=True, slots=True)
class DigitRun:
    """Groups joined only by separators or fillers, in text order."""

    groups: tuple[DigitGroup, ...]

    @property
    def start(self) -> int:
        return self.groups[0].start

    @property
    def end(self) -> int:
        return self.groups[-1].end


def _group_at(text: str, start: int, end: int) -> DigitGroup | None:
    raw = text[start:end]
    digits = "".join(DIGIT_BY_SYLLABLE.get(c) or _FULL_WIDTH_DIGITS.get(c, c) for c in raw)
    is_spoken = any(c in DIGIT_BY_SYLLABLE for c in raw)
    after = text[end:]
    if _UNIT_AFTER.match(after):
        return None
    copula_end: int | None = None
    if (
        len(raw) > 1
        and raw.endswith("이")
        and (_COPULA_AFTER_I.match(after) or not after[:1].strip())
    ):
        # "...팔이에요" (copula) or "...2280이 맞아요" (subject particle): also read without it.
        copula_end = end - 1
    elif len(raw) > 1 and raw.endswith("일") and _COPULA_I_L.match(after):
        copula_end = end - 1
    elif raw == "이" and _COPULA_AFTER_I.match(after) and _after_spaced_digit(text, start):
        # "인증번호 4 8 2 9 1 3 이요": the copula typed apart after digits read one by one, also
        # read without it (the judge keeps the reading of the right length).
        copula_end = start
    if is_spoken and not any(c.isdigit() for c in raw):
        before = text[start - 1] if start > 0 else " "
        next_char = after[:1] or " "
        glued_left = _is_hangul(before)
        glued_right = (
            _is_hangul(next_char)
            and not _joins_forward(text, end)
            and not _SHORT_GROUP_ENDING.match(after)
        )
        if len(raw) <= _SHORT_GROUP_MAX and (glued_left or (glued_right and copula_end is None)):
            return None  # a syllable inside a word ("감사", "오늘"), not a digit
        if len(raw) < 4 and glued_left:
            return None
    return DigitGroup(
        start=start,
        end=end,
        digits=digits,
        is_spoken=is_spoken,
        copula_end=copula_end,
        after_plus=start > 0 and text[start - 1] == "+",
    )


def _after_spaced_digit(text: str, start: int) -> bool:
    """True when a digit and then only spaces come right before `start`."""
    before = text[:start].rstrip(" ")
    return len(before) < start and bool(before) and is_digit_char(before[-1])


def _joins_forward(text: str, end: int) -> bool:
    match = _JOINER.match(text, end)
    if not match or match.end() - end > _MAX_JOINER_CHARS:
        return False
    nxt = match.end()
    return nxt < len(text) and (
        is_digit_char(text[nxt]) or text[nxt] in _SINO_UNITS or bool(_NATIVE_RUN.match(text, nxt))
    )


# "인증번호 482,913": a code typed with a comma where a space or dot was meant. Right after a
# code or number word and with no 원 after it, the commas do not make it an amount of money.
_CODE_WORD_BEFORE = re.compile(r"(?:인증|코드|번호)\s*(?:번호)?\s*(?:는|은|가|:)?\s*$")
_MONEY_AFTER = re.compile(r"\s*(?:원|만|천|억)")
_CODE_WORD_WINDOW = 12


def _blocked_spans(text: str, blocked: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    spans = list(blocked)
    spans.extend((m.start(), m.end()) for m in _AMOUNT.finditer(text) if _is_amount(text, m))
    return spans


def _is_amount(text: str, match: re.Match[str]) -> bool:
    before = text[max(0, match.start() - _CODE_WORD_WINDOW) : match.start()]
    return not _CODE_WORD_BEFORE.search(before) or bool(_MONEY_AFTER.match(text, match.end()))


# Latin letters typed for digits inside a number: "01O-1234-5678" (O for 0), "4829l3" (l for 1).
_LOOKALIKE_DIGITS = {"O": "0", "o": "0", "l": "1", "I": "1"}
_NUMBER_JOINERS = frozenset(" -.")


def with_lookalike_digits(text: str) -> str:
    """`text` with a letter that stands for a digit inside a number replaced; same length.

    The letter must sit between digits, or at a group's edge next to two digits, and never
    touch another Latin letter ("OTP 123456" keeps its O).
    """
    chars = list(text)
    for i, char in enumerate(text):
        if char not in _LOOKALIKE_DIGITS:
            continue
        prev, nxt = text[i - 1 : i], text[i + 1 : i + 2]
        if (prev.isascii() and prev.isalpha()) or (nxt.isascii() and nxt.isalpha()):
            continue
        prev_digit = prev.isascii() and prev.isdigit()
        next_digit = nxt.isascii() and nxt.isdigit()
        two_before = i >= 2 and text[i - 2].isascii() and text[i - 2].isdigit()
        two_after = text[i + 2 : i + 3].isascii() and text[i + 2 : i + 3].isdigit()
        edge = (prev_digit and two_before and (not nxt or nxt in _NUMBER_JOINERS)) or (
            next_digit and two_after and (not prev or prev in _NUMBER_JOINERS)
        )
        if (prev_digit and next_digit) or edge:
            chars[i] = _LOOKALIKE_DIGITS[char]
    return "".join(chars)


# Some callers read a number with the native counting words: "하나둘셋 넷다섯여섯",
# "공일공 하나둘셋넷 …". Four such words in a row are digits, not a count ("하나만", "둘 다").
_NATIVE_DIGITS = {
    "하나": "1", "둘": "2", "셋": "3", "넷": "4", "다섯": "5", "여섯": "6",
    "일곱": "7", "여덟": "8", "여덜": "8", "아홉": "9", "공": "0", "영": "0",
}  # fmt: skip
_NATIVE_WORD = "|".join(sorted(_NATIVE_DIGITS, key=len, reverse=True))
_NATIVE_RUN = re.compile(
    rf"(?<![가-힣])(?:{_NATIVE_WORD})(?:[ ]?(?:{_NATIVE_WORD})){{3,}}"
    r"(?=$|[^가-힣]|에\s|다시|이요|요|이에요|예요|입니다|이고|고|인데|이여|이라예|라예|이유|이랑께)"
)
_NATIVE_TOKEN = re.compile(_NATIVE_WORD)
_MIN_NATIVE_WORDS = 4


def _native_groups(text: str, is_blocked: list[bool]) -> list[DigitGroup]:
    groups: list[DigitGroup] = []
    for match in _NATIVE_RUN.finditer(text):
        if any(is_blocked[match.start() : match.end()]):
            continue
        tokens = _NATIVE_TOKEN.findall(match.group())
        if sum(token not in ("공", "영") for token in tokens) < _MIN_NATIVE_WORDS:
            continue  # "공일공" and the like are spoken digits, read by the syllable scanner
        digits = "".join(_NATIVE_DIGITS[token] for token in tokens)
        groups.append(DigitGroup(match.start(), match.end(), digits, is_spoken=True))
    return groups


def find_digit_groups(text: str, blocked: Sequence[tuple[int, int]] = ()) -> list[DigitGroup]:
    """Every digit group in `text` outside the `blocked` spans, in order."""
    spans = _blocked_spans(text, blocked)
    is_blocked = [False] * len(text)
    for b_start, b_end in spans:
        for i in range(max(b_start, 0), min(b_end, len(text))):
            is_blocked[i] = True
    native = _native_groups(text, is_blocked)
    for group in native:
        is_blocked[group.start : group.end] = [True] * (group.end - group.start)
    groups: list[DigitGroup] = list(native)
    i = 0
    while i < len(text):
        if is_blocked[i] or not (is_digit_char(text[i]) or text[i] in _SINO_UNITS):
            i += 1
            continue
        j = i
        while (
            j < len(text)
            and not is_blocked[j]
            and (is_digit_char(text[j]) or text[j] in _SINO_UNITS)
        ):
            j += 1
        scanned_end, j = j, _without_particle_tail(text, i, j)
        i = _without_glued_word_end(text, i, j)
        if any(c in _SINO_UNITS for c in text[i:j]):
            sino = _sino_group_at(text, i, j)
            groups.extend([sino] if sino is not None else _plain_groups(text, i, j))
        else:
            group = _group_at(text, i, j)
            if group is not None:
                groups.append(group)
        i = scanned_end
    return sorted(groups, key=lambda g: g.start)


def _without_glued_word_end(text: str, start: int, end: int) -> int:
    """Start of the digits once a syllable that ends the word before them is cut off.

    "생년월일900101", "생일900101": the "일" of the cue glued to the typed digits is no digit.
    """
    if (
        end - start > 1
        and start > 0
        and _is_hangul(text[start - 1])
        and text[start] in DIGIT_BY_SYLLABLE
        and _is_arabic(text[start + 1])
    ):
        return start + 1
    return start


def _is_arabic(char: str) -> bool:
    return (char.isascii() and char.isdigit()) or char in _FULL_WIDTH_DIGITS


def _without_particle_tail(text: str, start: int, end: int) -> int:
    """End of the scanned stretch `start:end` once a particle glued to typed digits is cut off.

    "010-4415-2280이 맞아요", "20481937이구요", "482913일걸요": a digit syllable right after typed
    digits is a particle or copula ("이", "일"), not a spoken digit. Spoken syllables extend the
    typed digits when they are not a known ending ("010 4415 22팔공", "010-1234-567팔").
    """
    for index in range(start + 1, end):
        if not (_is_arabic(text[index - 1]) and not _is_arabic(text[index])):
            continue
        tail_end = index
        while tail_end < end and not _is_arabic(text[tail_end]):
            tail_end += 1
        tail = text[index:tail_end]
        more_digits_follow = tail_end < end
        if more_digits_follow:
            continue  # "010일이삼사5678": spoken digits between typed ones
        if tail in _TAIL_ENDINGS or tail in _WORD_LIKE_GROUPS:
            return index
    return end


def _plain_groups(text: str, start: int, end: int) -> list[DigitGroup]:
    groups: list[DigitGroup] = []
    i = start
    while i < end:
        if not is_digit_char(text[i]):
            i += 1
            continue
        j = i
        while j < end and is_digit_char(text[j]):
            j += 1
        group = _group_at(text, i, j)
        if group is not None:
            groups.append(group)
        i = j
    return groups


def _sino_group_at(text: str, start: int, end: int) -> DigitGroup | None:
    """A phone-style group read as a Sino-Korean number ("오천육백칠십팔" -> 5678).

    Only hundreds and thousands count: "오십" alone is a count or an age, not a group of digits.
    """
    raw = text[start:end]
    if raw.endswith("이") and sino_number(raw) is None:
        raw, end = raw[:-1], end - 1  # "...칠십팔이에요": the copula, not a digit
    value = sino_number(raw)
    if value is None or not _SINO_GROUP_MIN <= value <= _SINO_GROUP_MAX:
        return None
    if not ("천" in raw or "백" in raw) or raw[0] not in _SINO_START:
        return None
    before = text[start - 1] if start > 0 else " "
    after = text[end:]
    if _is_hangul(before) or _UNIT_AFTER.match(after):
        return None
    if (
        after[:1]
        and _is_hangul(after[0])
        and not (_joins_forward(text, end) or _SHORT_GROUP_ENDING.match(after))
    ):
        return None
    return DigitGroup(start=start, end=end, digits=str(value), is_spoken=True)


def find_digit_runs(text: str, blocked: Sequence[tuple[int, int]] = ()) -> list[DigitRun]:
    """Chains of digit groups separated only by joiners, outside the `blocked` spans."""
    groups = find_digit_groups(text, blocked)
    runs: list[list[DigitGroup]] = []
    for group in groups:
        if runs:
            previous = runs[-1][-1]
            gap = text[previous.end : group.start]
            if _is_joiner_gap(gap, blocked, previous.end) or _is_phone_pause(runs[-1], gap):
                runs[-1].append(group)
                continue
        runs.append([group])
    runs = [_drop_word_like_head(text, run) for run in runs]
    return [DigitRun(tuple(run)) for run in runs if run]


def _is_phone_pause(run: list[DigitGroup], gap: str) -> bool:
    head = "".join(g.digits for g in run)
    return (
        head.startswith("0")
        and len(head) <= _PHONE_HEAD_MAX
        and _CLAUSE_PAUSE.fullmatch(gap) is not None
    )


def _is_joiner_gap(gap: str, blocked: Sequence[tuple[int, int]], gap_start: int) -> bool:
    if not gap or len(gap) > _MAX_JOINER_CHARS or not _JOINER.fullmatch(gap):
        return False
    gap_end = gap_start + len(gap)
    return not any(b_start < gap_end and gap_start < b_end for b_start, b_end in blocked)


def _drop_word_like_head(text: str, run: list[DigitGroup]) -> list[DigitGroup]:
    # "이사 일이삼사오육": the move, then a code; the word must not lend the code two digits.
    if len(run) > 1 and text[run[0].start : run[0].end] in _WORD_LIKE_GROUPS:
        return run[1:]
    return run


def run_digits(run: DigitRun, first: int, last: int) -> list[tuple[str, int]]:
    """Readings (digits, end) of groups first..last of `run`; the last group may drop a copula."""
    head = "".join(g.digits for g in run.groups[first:last])
    readings = []
    for digits, end in run.groups[last].variants():
        if end <= run.groups[last].start and last > first:
            end = run.groups[last - 1].end  # a lone copula "이" dropped: the span ends before it
        readings.append((head + digits, end))
    return readings


def digits_in(text: str, lengths: Sequence[int]) -> str | None:
    """The digits of `text` read as one number whose length is one of `lengths`, or None.

    Used to normalise a span another extractor found ("인증번호는 482913이에요" -> "482913"):
    every digit group in the span is concatenated; a copula "이" is dropped if that fits.
    """
    groups = find_digit_groups(text)
    if not groups:
        return None
    head = "".join(g.digits for g in groups[:-1])
    for digits, _ in groups[-1].variants():
        if len(head + digits) in lengths:
            return head + digits
    return None
