"""The resident registration number (주민등록번호, RRN) guard.

An RRN is 13 digits: a birth date YYMMDD, a separator, then 7 digits. Residents type it, or the
speech recogniser writes it in Korean digit syllables ("팔오공삼공이 다시 일이삼사오육칠"). minwon
never asks for one, so any RRN a resident sends is masked before the text is stored, logged or
shown (DESIGN.md "Korean NLU"; issues 2 and 9). A mask keeps the length of the text: each digit
or digit syllable becomes "*", separators stay, so spans stay valid.

People separate the two halves with anything: a line break, a comma, a colon, several spaces, an
invisible character, a full-width dash, or a word read aloud ("다시", "대시", "빼기", "하이픈",
"그리고", "다음", "뒤에", "에 이어서"). The guard therefore judges a *view* of the text in which
invisible characters are dropped, compatibility forms (full-width digits and punctuation) are
folded, and any such separator between two digits reads as one dash; every view character knows
the text position it came from, so the mask lands on the original characters.

Look-alikes are kept: phone numbers, dates, order numbers (8 digits), business numbers
(10 digits), codes and amounts never have 13 digits in an RRN's grouping.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from nlu.normalise.digit_runs import DigitRun, find_digit_runs, is_digit_char, run_digits
from nlu.normalise.phone import is_phone_digits
from nlu.normalise.rrn_shape import (
    RRN_BACK_DIGITS,
    RRN_DIGITS,
    RRN_FRONT_DIGITS,
    has_rrn_cue,
    is_birth_date_part,
    is_rrn_back_half,
    is_rrn_shaped,
)

MASK_CHAR = "*"
_BACK_HALF_CUE = re.compile(r"뒷\s*자리|뒷\s*번호|뒤\s*자리|뒷\s*부분|뒤\s*번호")
_BACK_HALF_WINDOW = 16
_MASKED_BACK_HALF = re.compile(r"(?<!\*)(?P<stars>\*{7})(?!\*)")
# Thirteen mask characters with the separators a masked RRN may keep between them.
MASK_PATTERN = re.compile(r"\*(?:(?:[\s\-\u2010-\u2015\uff0d.,·ㆍ~_/ㅡ]|에|의|다시)*\*){12}")

# --- the view: what the text says once invisible characters and odd separators are set aside ---

# Invisible characters people (or a copy from another app) leave between digits: every format
# character (zero-width space and joiners, word joiner, BOM, soft hyphen, bidi marks) and the
# Hangul fillers, which render as nothing.
_INVISIBLE = frozenset("\u115f\u1160\u3164\uffa0\u034f")
# The joiners nlu.normalise.digit_runs already reads between digit groups (kept as they are).
_PLAIN_JOINER = re.compile(r"(?:[ \t\u00a0\-\u2010-\u2015\uff0d.,·ㆍ~_/ㅡ]|에|의|다시)+")
_PLAIN_JOINER_MAX = 6
# What may stand between the two halves of an RRN: any space or line break, punctuation, and
# the words said or written for the dash or the pause ("다시", "대시", "빼기", "하이픈", "그리고",
# "하고", "다음", "뒤에", "에 이어서", "뒷자리는"...). Only judged *between two digits*.
_SEPARATOR_WORDS = (
    r"다시|대시|대쉬|빼기|마이너스|하이픈|하이푼|바|작대기|줄"
    r"|그리고|하고|그\s*다음(?:에|은)?|다음에|다음은|다음으로|다음|뒤에|뒤로|뒤는|이어서|이어|계속"
    r"|뒷\s*자리(?:는|은)?|뒷\s*번호(?:는|은)?|뒤\s*(?:일곱|칠|7)\s*자리(?:는|은)?"
    r"|뒤\s*자리(?:는|은)?|앞\s*자리(?:는|은)?|에서|에|의|은|는|요|고|랑"
)
_SEPARATOR_CHAR = r"[\s\-\u2010-\u2015\u2212~_/\\|.,·ㆍ:;ㅡ=+#'\"`()\[\]<>…、。]"
# After typed digits a syllable such as "이" is a particle, not the digit 2 ("850302이고 ...").
_TYPED_PARTICLE = r"(?<=[0-9])이(?:고요|고|요|며|구요|에요|예요|랑)"
_GAP_MAX = 20


def _gap_pattern(digit_like: str) -> re.Pattern[str]:
    return re.compile(
        rf"(?:{_TYPED_PARTICLE})?(?:{_SEPARATOR_CHAR}|{_SEPARATOR_WORDS})+(?={digit_like})"
    )


_DIGIT_CLASS = "[0-9" + "공영일이삼사오육륙칠팔구" + "]"
_DIGIT_GAP = _gap_pattern(_DIGIT_CLASS)
_MASK_GAP = _gap_pattern(r"\*")


@dataclass(frozen=True, slots=True)
class TextView:
    """`text` as the guard reads it; `origin[i]` is the position in the original of view char i."""

    text: str
    origin: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original (start, end) of the view's start:end."""
        return self.origin[start], self.origin[end - 1] + 1


def _fold(char: str) -> str | None:
    """The character as the guard reads it, or None for an invisible one."""
    if char.isascii():
        return char
    category = unicodedata.category(char)
    if category == "Cf" or char in _INVISIBLE:
        return None
    decimal = unicodedata.decimal(char, None)
    if decimal is not None:
        return str(decimal)  # full-width, mathematical and other scripts' digits
    if category in ("Zs", "Zl", "Zp"):
        return " "
    if category.startswith("P") or category == "Sm":
        folded = unicodedata.normalize("NFKC", char)  # full-width ":" "," "-" and the like
        return folded if len(folded) == 1 else char
    return char


def build_view(text: str, *, digit_like: Callable[[str], bool] = is_digit_char) -> TextView:
    """The view of `text` in which an RRN is sought (see the module docstring)."""
    chars: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        folded = _fold(char)
        if folded is not None:
            chars.append(folded)
            origin.append(index)
    folded_text = "".join(chars)
    gap = _MASK_GAP if digit_like is _is_mask_char else _DIGIT_GAP
    amounts = [m.span() for m in _AMOUNT.finditer(folded_text)]
    out: list[str] = []
    out_origin: list[int] = []
    i = 0
    while i < len(folded_text):
        char = folded_text[i]
        out.append(char)
        out_origin.append(origin[i])
        i += 1
        if not digit_like(char) or i >= len(folded_text) or digit_like(folded_text[i]):
            continue
        match = gap.match(folded_text, i)
        if match is None or match.end() - i > _GAP_MAX:
            continue
        between = match.group()
        if (
            len(between) <= _PLAIN_JOINER_MAX
            and _PLAIN_JOINER.fullmatch(between)
            and ("," not in between or _in_amount(amounts, i))
        ):
            continue  # an ordinary joiner ("-", " ", "다시"), or the comma of an amount
        out.append(" " if between.isspace() else "-")
        out_origin.append(origin[i])
        i = match.end()
    return TextView("".join(out), tuple(out_origin))


# A whole amount with thousands separators ("1,234,567원"); a comma elsewhere separates numbers
# ("850302,1234567"), although digit_runs would read "302,123" as part of an amount.
_AMOUNT = re.compile(r"(?<![\d,])\d{1,3}(?:,\d{3})+(?![\d,])")


def _in_amount(amounts: list[tuple[int, int]], index: int) -> bool:
    return any(start < index < end for start, end in amounts)


def _is_mask_char(char: str) -> bool:
    return char == MASK_CHAR


# --- finding RRNs ---


def _find_rrns_in(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for run in find_digit_runs(text):
        back = _back_half(text, run)
        if back is not None:
            spans.append(back)
            continue
        groups = run.groups
        first = 0
        while first < len(groups):
            span = _rrn_from(text, run, first)
            if span is None:
                first += 1
                continue
            spans.append(span[:2])
            first = span[2] + 1
    return spans


def _view_spans(text: str) -> tuple[TextView, list[tuple[int, int]]]:
    view = build_view(text)
    return view, _find_rrns_in(view.text)


def find_rrns(text: str) -> list[tuple[int, int]]:
    """(start, end) of every RRN in `text`, typed or spoken, in text order.

    The seven digits after the dash are found alone too when the text says they are that part
    ("주민번호 뒷자리 1234567"): they are personal data without the birth date.
    """
    view, spans = _view_spans(text)
    return [view.span(start, end) for start, end in spans]


def _back_half(text: str, run: DigitRun) -> tuple[int, int] | None:
    for digits, end in run_digits(run, 0, len(run.groups) - 1):
        start = run.start
        cue = _BACK_HALF_CUE.search(text, max(0, start - _BACK_HALF_WINDOW), start)
        if len(digits) == RRN_BACK_DIGITS and cue is not None:
            return start, end
    return None


def _rrn_from(text: str, run: DigitRun, first: int) -> tuple[int, int, int] | None:
    cue = has_rrn_cue(text, run.groups[first].start)
    for last in range(first, len(run.groups)):
        head = sum(len(g.digits) for g in run.groups[first:last])
        if head >= RRN_DIGITS:
            return None
        for digits, end in run_digits(run, first, last):
            sizes = [len(g.digits) for g in run.groups[first:last]] + [len(digits) - head]
            if len(digits) == RRN_DIGITS and is_rrn_shaped(digits, sizes, has_cue=cue):
                return run.groups[first].start, end, last
    return None


def _mask_view_spans(text: str, view: TextView, spans: list[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        for i in range(start, end):
            if is_digit_char(view.text[i]):
                chars[view.origin[i]] = MASK_CHAR
    return "".join(chars)


def _mask_spans(text: str, spans: list[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        for i in range(start, end):
            if is_digit_char(chars[i]):
                chars[i] = MASK_CHAR
    return "".join(chars)


def mask_rrn(text: str) -> str:
    """`text` with every RRN's digits replaced by "*", same length, separators kept."""
    view, spans = _view_spans(text)
    return _mask_view_spans(text, view, spans) if spans else text


def has_rrn(text: str) -> bool:
    """True when `text` holds an unmasked RRN."""
    return bool(_view_spans(text)[1])


def find_masked_rrns(text: str) -> list[tuple[int, int]]:
    """(start, end) of every RRN already masked by `mask_rrn` in `text`, in text order.

    Finds the full mask ("******-*******", spoken "****** 다시 *******", "******\n*******") and a
    masked back half after the words that name it ("뒷자리 *******").
    """
    if MASK_CHAR * RRN_BACK_DIGITS not in text and text.count(MASK_CHAR) < RRN_DIGITS:
        return []
    view = build_view(text, digit_like=_is_mask_char)
    seen = view.text
    spans = [m.span() for m in MASK_PATTERN.finditer(seen)]
    for match in _MASKED_BACK_HALF.finditer(seen):
        start = match.start("stars")
        cue = _BACK_HALF_CUE.search(seen, max(0, start - _BACK_HALF_WINDOW), start)
        if cue is not None and not any(s <= start < e for s, e in spans):
            spans.append(match.span("stars"))
    return sorted(view.span(start, end) for start, end in spans)


def has_masked_rrn(text: str) -> bool:
    """True when `text` holds an RRN masked by `mask_rrn` ("******-*******")."""
    return bool(find_masked_rrns(text))


# --- an RRN split over two messages ---


def ends_with_rrn_front_half(text: str) -> bool:
    """True when the last number in `text` is six digits that read as YYMMDD ("850302", "팔오공삼공이").

    Such a message is also a plain birth-date answer; only the message after it can tell.
    """
    view = build_view(text)
    runs = find_digit_runs(view.text)
    if not runs:
        return False
    last = runs[-1]
    return any(
        len(digits) == RRN_FRONT_DIGITS and is_birth_date_part(digits)
        for digits, _ in run_digits(last, 0, len(last.groups) - 1)
    )


def find_rrn_back_halves(text: str) -> list[tuple[int, int]]:
    """(start, end) of every possible RRN back half in `text`: 7 digits, the first 1-8.

    Judged only for the message right after one that `ends_with_rrn_front_half`.
    """
    view = build_view(text)
    spans: list[tuple[int, int]] = []
    for run in find_digit_runs(view.text):
        for digits, end in run_digits(run, 0, len(run.groups) - 1):
            if is_rrn_back_half(digits):
                spans.append(view.span(run.start, end))
                break
    return spans


def mask_rrn_back_halves(text: str) -> str:
    """`text` with every possible RRN back half masked (see `find_rrn_back_halves`)."""
    return _mask_spans_folded(text, find_rrn_back_halves(text))


def _mask_spans_folded(text: str, spans: list[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        for i in range(start, end):
            folded = _fold(chars[i])
            if folded is not None and is_digit_char(folded):
                chars[i] = MASK_CHAR
    return "".join(chars)


# --- logs ---


def _phone_spans(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for run in find_digit_runs(text):
        groups = run.groups
        for first in range(len(groups)):
            for last in range(first, len(groups)):
                for digits, end in run_digits(run, first, last):
                    start = groups[first].start
                    if groups[first].after_plus and digits.startswith("82"):
                        digits = "0" + digits[2:].removeprefix("0")
                    if is_phone_digits(digits):
                        spans.append((start, end))
    return spans


def _short_number_spans(text: str) -> list[tuple[int, int]]:
    """Numbers of 6 or 7 digits: birth dates (YYMMDD), SMS codes, an RRN's back half alone."""
    spans: list[tuple[int, int]] = []
    for run in find_digit_runs(text):
        if _IPV4.fullmatch(text, run.start, run.end):
            continue  # "127.0.0.1" in a server's start-up line
        for digits, end in run_digits(run, 0, len(run.groups) - 1):
            if len(digits) in (RRN_FRONT_DIGITS, RRN_BACK_DIGITS):
                spans.append((run.start, end))
                break
    return spans


# Dates written with separators in log lines ("1950-03-02", the birth_date slot's value).
_SEPARATED_DATE = re.compile(
    r"(?<!\d)(?:19|20)\d\d[-./](?:0?[1-9]|1[0-2])[-./](?:0?[1-9]|[12]\d|3[01])(?!\d)"
)
_LOG_DIGITS_MIN = 6
_IPV4 = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")


def redact_for_logs(text: str) -> str:
    """`text` with RRNs, phones, birth dates and 6-7 digit codes masked, for log filters.

    Order numbers (8 digits) and business numbers (10 digits) stay: staff trace requests by them.
    A safety net under the rule that user text is never logged, not a licence to log it. Long
    records (Rasa's DEBUG tracker dumps) are judged only in windows around their numbers.
    """
    chars = list(text)
    for start, end in _number_windows(text):
        for offset, char in enumerate(_redact_window(text[start:end])):
            if char == MASK_CHAR:
                chars[start + offset] = MASK_CHAR  # windows may overlap: masks add up
    return "".join(chars)


@functools.lru_cache(maxsize=4096)  # DEBUG logs repeat the same events turn after turn
def _redact_window(text: str) -> str:
    masked = mask_rrn(text)
    masked = _mask_spans(masked, _phone_spans(text) + _short_number_spans(masked))
    return _SEPARATED_DATE.sub(lambda m: re.sub(r"\d", MASK_CHAR, m.group()), masked)


_DIGITISH = re.compile(r"[\d공영일이삼사오육륙칠팔구]")
_WINDOW_GAP = 24  # digits further apart than this are not one number
_WINDOW_BEFORE = 32  # room for "주민등록번호는" or "뒷자리" before a number
_WINDOW_AFTER = 8  # room for a copula after it ("...이에요")


def _number_windows(text: str) -> list[tuple[int, int]]:
    """Stretches of `text` holding at least six digit-like characters close together (may overlap)."""
    clusters: list[list[int]] = []
    for match in _DIGITISH.finditer(text):
        at = match.start()
        if clusters and at - clusters[-1][1] <= _WINDOW_GAP:
            clusters[-1][1] = at
            clusters[-1][2] += 1
        else:
            clusters.append([at, at, 1])
    windows: list[tuple[int, int]] = []
    for first, last, count in clusters:
        if count < _LOG_DIGITS_MIN:
            continue
        windows.append(
            (max(0, first - _WINDOW_BEFORE), min(len(text), last + 1 + _WINDOW_AFTER)))
    return windows

