"""The resident registration number (주민등록번호, RRN) guard.

An RRN is 13 digits: a birth date YYMMDD, an optional dash or spaces, then 7 digits. Residents
type it, or the speech recogniser writes it in Korean digit syllables ("팔오공삼공이 다시
일이삼사오육칠"). minwon never asks for one, so any RRN a resident sends is masked before the
text is stored, logged or shown (DESIGN.md "Korean NLU"; issue 2). A mask keeps the length of
the text: each digit or digit syllable becomes "*", separators stay, so spans stay valid.

Look-alikes are kept: phone numbers, dates, order numbers (8 digits), business numbers
(10 digits), codes and amounts never have 13 digits in an RRN's grouping.
"""

from __future__ import annotations

import re

from nlu.normalise.digit_runs import DigitRun, find_digit_runs, is_digit_char, run_digits
from nlu.normalise.phone import is_phone_digits
from nlu.normalise.rrn_shape import RRN_DIGITS, has_rrn_cue, is_rrn_shaped

MASK_CHAR = "*"
RRN_BACK_DIGITS = 7
_BACK_HALF_CUE = re.compile(r"뒷\s*자리|뒷\s*번호|뒤\s*자리|뒷\s*부분|뒤\s*번호")
_BACK_HALF_WINDOW = 16
_MASKED_BACK_HALF = re.compile(r"(?<!\*)(?P<stars>\*{7})(?!\*)")
# Thirteen mask characters with the separators a masked RRN may keep between them.
MASK_PATTERN = re.compile(r"\*(?:(?:[\s\-\u2010-\u2015\uff0d.,·ㆍ~_/ㅡ]|에|의|다시)*\*){12}")


def find_rrns(text: str) -> list[tuple[int, int]]:
    """(start, end) of every RRN in `text`, typed or spoken, in text order.

    The seven digits after the dash are found alone too when the text says they are that part
    ("주민번호 뒷자리 1234567"): they are personal data without the birth date.
    """
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


def _mask_spans(text: str, spans: list[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        for i in range(start, end):
            if is_digit_char(chars[i]):
                chars[i] = MASK_CHAR
    return "".join(chars)


def mask_rrn(text: str) -> str:
    """`text` with every RRN's digits replaced by "*", same length, separators kept."""
    return _mask_spans(text, find_rrns(text))


def has_rrn(text: str) -> bool:
    """True when `text` holds an unmasked RRN."""
    return bool(find_rrns(text))


def find_masked_rrns(text: str) -> list[tuple[int, int]]:
    """(start, end) of every RRN already masked by `mask_rrn` in `text`, in text order.

    Finds the full mask ("******-*******", spoken "****** 다시 *******") and a masked back half
    after the words that name it ("뒷자리 *******").
    """
    spans = [m.span() for m in MASK_PATTERN.finditer(text)]
    for match in _MASKED_BACK_HALF.finditer(text):
        start = match.start("stars")
        cue = _BACK_HALF_CUE.search(text, max(0, start - _BACK_HALF_WINDOW), start)
        if cue is not None and not any(s <= start < e for s, e in spans):
            spans.append(match.span("stars"))
    return sorted(spans)


def has_masked_rrn(text: str) -> bool:
    """True when `text` holds an RRN masked by `mask_rrn` ("******-*******")."""
    return bool(find_masked_rrns(text))


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


def redact_for_logs(text: str) -> str:
    """`text` with RRN- and phone-shaped digits masked, for log filters (STYLE.md section 8).

    A safety net under the rule that user text is never logged, not a licence to log it.
    """
    return _mask_spans(mask_rrn(text), _phone_spans(text))
