"""Rule-based extraction of every nlu-contract.md entity from free text.

`extract_entities` finds documents, dongs, ways of getting a document (methods), dates, counts,
digit strings (phones, order numbers, codes, business numbers, YYMMDD birth dates) and names,
each with its span in the original text and its contract value. Overlaps go to the more specific
finding, then the longer one. `normalise` turns a span found by another extractor (DIET) into
the contract value.

A digit string is judged by its length and the words around it (nlu-contract.md and issue 2):
- 13 digits shaped like an RRN: never an entity (the PII guard masks it);
- 9-11 digits in a Korean phone shape, or +82: phone_number; other 10 digits: business_number;
- 8 digits: birth_date when a valid YYYYMMDD has a birth cue ("생년월일", "...생"), else
  order_id;
- 6 digits: by the nearer cue (verification words vs birth words); with no cue, a valid YYMMDD
  is a birth_date (the keypad form) and anything else an otp_code.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from nlu.normalise.business_numbers import parse_business_number
from nlu.normalise.counts import count_after_document, find_copies, parse_copies
from nlu.normalise.dates import digits_to_birth_date, find_birth_dates, parse_birth_date
from nlu.normalise.digit_runs import (
    DigitRun,
    find_digit_runs,
    run_digits,
    with_lookalike_digits,
)
from nlu.normalise.documents import find_documents, parse_document
from nlu.normalise.dongs import find_dongs, parse_dong
from nlu.normalise.methods import find_methods, parse_method
from nlu.normalise.order_ids import parse_order_id
from nlu.normalise.otp import parse_otp
from nlu.normalise.person_names import find_person_names, parse_person_name
from nlu.normalise.phone import is_phone_digits, parse_phone
from nlu.normalise.rrn_shape import RRN_DIGITS, has_rrn_cue, is_rrn_shaped
from nlu.pii import find_rrns

ENTITIES: tuple[str, ...] = (
    "document",
    "copies",
    "dong",
    "order_id",
    "phone_number",
    "birth_date",
    "otp_code",
    "person_name",
    "business_number",
    "method",
)

_CUE_WINDOW = 24
_BIRTH_CUE_BEFORE = re.compile(r"생년\s*월일|생년|생일|태어|출생|앞\s*자리|주민\s*번호\s*앞|나이")
# "500302생", "19500302 생일이에요"; not the next clause's topic in "482913 생일은 900101".
_BIRTH_CUE_AFTER = re.compile(
    r"^\s*(?:년\s*)?생(?![각활])(?!일\s*(?:은|는|:))(?!년\s*월일\s*(?:은|는|:))"
)
_PHONE_CUE = re.compile(r"전화|휴대폰|핸드폰|폰\s*번호|연락처|연락|문자\s*받")
_BUSINESS_CUE = re.compile(r"사업자|사업장|등록\s*번호|회사|법인")
_OTP_CUE = re.compile(r"인증|코드|문자|오티피|otp|OTP|보안|확인\s*번호|번호|숫자")
_ORDER_CUE = re.compile(r"신청\s*번호|접수\s*번호|주문\s*번호|조회|신청한|접수|처리")
# Numbers residents mention that are not contract entities, and the words that name ours.
_FOREIGN_NUMBER_CUE = re.compile(
    r"우편\s*번호|우편|계좌|통장|카드|차량|차\s*번호|운송장|송장|여권|사번|학번|군번|사건\s*번호"
)
_OWN_NUMBER_CUE = re.compile(
    r"인증|코드|오티피|otp|OTP|확인\s*번호|신청|접수|주문|조회|전화|휴대폰|핸드폰|폰|연락"
    r"|사업자|생년|생일|주민"
)
_OTP_DIGITS = 6
_SHORTEST_PHONE = 9  # 02-123-4567
_ORDER_DIGITS = 8
_BUSINESS_DIGITS = 10

# Between an old and a new value of the same entity: "X 말고 Y", "X 아니고 Y", "X에서 Y로".
_CORRECTION_BETWEEN = re.compile(
    r"^[\s,.]*(?:[가-힣]{1,3}[\s,.]*)?(?:말고|말구|아니고|아니구|아니라|아니요|아니|대신|에서|->|→)"
    r"[^0-9]{0,12}$"
)
_ADDITION_AFTER = re.compile(r"\s*(?:도|까지|랑|이랑|하고|와|과|두\s*개|둘\s*다)")
# "창구에서 떼는 거랑 발급기에서 떼는 거": two values compared or listed, not a correction.
_LISTED_BETWEEN = re.compile(r"거랑|거하고|것과|거나|또는|아니면|이나\s|랑\s|하고\s")

# Numbers read and judged but never returned: an RRN (masked by the PII guard) and a number of
# another kind (a postcode, an account).
_NOT_OURS = frozenset({"rrn", "other_number"})
# Entities the rules read from digits; a tagger's span over digits the rules judged is not used.
NUMBER_ENTITIES = frozenset(
    {"order_id", "phone_number", "birth_date", "otp_code", "business_number"}
)

# Higher wins an overlap: a named thing over a number over a name guess.
_PRIORITY = {
    "document": 5,
    "dong": 5,
    "method": 5,
    "birth_date": 4,
    "phone_number": 4,
    "order_id": 4,
    "otp_code": 4,
    "business_number": 4,
    "rrn": 4,
    "other_number": 4,
    "copies": 3,
    "person_name": 1,
}


@dataclass(frozen=True, slots=True)
class EntitySpan:
    """An entity found in a message: `text == message[start:end]`, `value` per the contract."""

    entity: str
    start: int
    end: int
    text: str
    value: str


def extract_entities(text: str, today: date) -> list[EntitySpan]:
    """Every contract entity in `text`, in text order, with exact spans and contract values."""
    return read_entities(text, today).entities


@dataclass(frozen=True)
class Reading:
    """One reading of a message by the rules."""

    entities: list[EntitySpan]  # what `extract_entities` returns
    # Spans of every number the rules read, kept or not: a dropped correction ("900101 아니라
    # 900110"), a postcode, an RRN. A tagger must not bring back what the rules judged.
    judged_numbers: list[tuple[int, int]]


def read_entities(text: str, today: date) -> Reading:
    """The contract entities and the numbers judged, from one pass of the rules over `text`."""
    found = _candidates(text, today)
    judged = [(s, e) for kind, s, e, _ in found if kind in _JUDGED_NUMBERS]
    return Reading(_resolve(text, found), judged)


_JUDGED_NUMBERS = NUMBER_ENTITIES | _NOT_OURS


def _candidates(text: str, today: date) -> list[tuple[str, int, int, str]]:
    text = with_lookalike_digits(text)  # same length: spans stay exact
    found: list[tuple[str, int, int, str]] = []
    documents = find_documents(text)
    found += [("document", m.start, m.end, m.document) for m in documents]
    found += [("dong", m.start, m.end, m.dong) for m in find_dongs(text)]
    found += [("method", m.start, m.end, m.method) for m in find_methods(text)]
    dates = find_birth_dates(text, today)
    found += [("birth_date", s, e, v) for s, e, v in dates]
    copies = find_copies(text)
    for document in documents:
        bare = count_after_document(text, document.end)
        if bare is not None and not any(s < bare[1] and bare[0] < e for s, e, _ in copies):
            copies.append(bare)
    found += [("copies", s, e, v) for s, e, v in copies]
    # An RRN is blocked first: read as a code plus an order number it would cover more digits.
    blocked = [(s, e) for s, e, _ in dates] + [(s, e) for s, e, _ in copies] + find_rrns(text)
    for run in find_digit_runs(text, blocked):
        found += _numbers_in_run(text, run, today)
    found += [("person_name", s, e, v) for s, e, v in find_person_names(text)]
    return found


def _resolve(text: str, found: list[tuple[str, int, int, str]]) -> list[EntitySpan]:
    ranked = sorted(found, key=lambda f: (-_PRIORITY[f[0]], -(f[2] - f[1]), f[1]))
    kept: list[tuple[str, int, int, str]] = []
    taken = [False] * (len(text) + 1)
    for item in ranked:
        if not any(taken[item[1] : item[2]]):
            kept.append(item)
            taken[item[1] : item[2]] = [True] * (item[2] - item[1])
    ordered = _drop_corrected(text, sorted(kept, key=lambda k: k[1]))
    return [
        EntitySpan(entity, start, end, text[start:end], value)
        for entity, start, end, value in ordered
        if entity not in _NOT_OURS
    ]


def _drop_corrected(
    text: str, ordered: list[tuple[str, int, int, str]]
) -> list[tuple[str, int, int, str]]:
    """Keep only the new value of a correction: "두 통 말고 세 통" is 3, "신당동에서 명동으로" 명동.

    "등본 말고 초본도" adds a document rather than replacing one, so both stay.
    """
    dropped: set[int] = set()
    for index, (entity, _, end, _) in enumerate(ordered):
        later = next((i for i in range(index + 1, len(ordered)) if ordered[i][0] == entity), None)
        if later is None:
            continue
        between = text[end : ordered[later][1]]
        adds = _ADDITION_AFTER.match(text, ordered[later][2])
        listed = _LISTED_BETWEEN.search(between)
        if _CORRECTION_BETWEEN.match(between) and not adds and not listed:
            dropped.add(index)
    return [item for i, item in enumerate(ordered) if i not in dropped]


def keep_new_values(text: str, spans: list[EntitySpan]) -> list[EntitySpan]:
    """`spans` without the old value of each correction, as `extract_entities` does for its own.

    For spans gathered from several extractors: a tagger's span for the old name in "김지훈 말고
    김지운이요" must not come back after the rules dropped it.
    """
    ordered = sorted(spans, key=lambda s: (s.start, s.end))
    kept = _drop_corrected(text, [(s.entity, s.start, s.end, s.value) for s in ordered])
    keys = {(entity, start, end) for entity, start, end, _ in kept}
    return [s for s in ordered if (s.entity, s.start, s.end) in keys]


def _is_someone_elses_number(text: str, start: int) -> bool:
    """True when the nearest number word before `start` names a number outside the contract.

    "우편번호 100-011" (a postcode), "계좌번호 110-123-456789" (an account): six or eight digits
    there are no code or order number, whatever their length says.
    """
    foreign = _nearest(_FOREIGN_NUMBER_CUE, text, start, start)
    if foreign is None:
        return False
    own = _nearest(_OWN_NUMBER_CUE, text, start, start)
    return own is None or foreign < own


def _numbers_in_run(text: str, run: DigitRun, today: date) -> list[tuple[str, int, int, str]]:
    """Split a run into the segments that read as entities, covering as many digits as can be.

    "010-1234-5678 123456" is one run of groups; the best split is a phone and a code.
    """
    if _is_someone_elses_number(text, run.start):
        return [("other_number", run.start, run.end, "")]
    count = len(run.groups)
    # best[i] = (digits covered, -segments, segments) for groups i..end
    best: list[tuple[int, int, list[tuple[str, int, int, str]]]] = [(0, 0, [])] * (count + 1)
    for first in range(count - 1, -1, -1):
        option = best[first + 1]
        for last in range(first, count):
            for digits, end in run_digits(run, first, last):
                judged = _judge(text, run, first, last, digits, end, today)
                if judged is None:
                    continue
                rest = best[last + 1]
                candidate = (len(digits) + rest[0], rest[1] - 1, [judged, *rest[2]])
                if candidate[:2] >= option[:2]:
                    option = candidate
        best[first] = option
    return best[0][2]


def _judge(
    text: str, run: DigitRun, first: int, last: int, digits: str, end: int, today: date
) -> tuple[str, int, int, str] | None:
    start = run.groups[first].start
    sizes = [len(g.digits) for g in run.groups[first:last]] + [
        len(digits) - sum(len(g.digits) for g in run.groups[first:last])
    ]
    if run.groups[first].after_plus and digits.startswith("82"):
        domestic = "0" + digits[2:].removeprefix("0")
        return ("phone_number", start - 1, end, domestic) if is_phone_digits(domestic) else None
    if len(digits) == RRN_DIGITS and is_rrn_shaped(digits, sizes, has_cue=has_rrn_cue(text, start)):
        return ("rrn", start, end, "")
    if digits.startswith("0") and len(digits) >= _SHORTEST_PHONE:
        return ("phone_number", start, end, digits) if is_phone_digits(digits) else None
    if len(digits) == _BUSINESS_DIGITS:
        # "전화번호 10 1234 5678": a mobile number that lost its leading 0.
        if is_phone_digits("0" + digits) and _nearer_cue(text, start, _PHONE_CUE, _BUSINESS_CUE):
            return ("phone_number", start, end, "0" + digits)
        return ("business_number", start, end, digits)
    if len(digits) == _ORDER_DIGITS:
        if _is_service_number(text, digits, start, end):
            return None
        if _nearer_cue(text, start, _PHONE_CUE, _ORDER_CUE):
            return None  # "집 전화는 이이육공에 일이삼사": a landline without its area code
        born = digits_to_birth_date(digits, today)
        if born is not None and _nearer_birth_cue(text, start, end, _ORDER_CUE):
            return ("birth_date", start, end, born)
        return ("order_id", start, end, digits)
    if len(digits) == _OTP_DIGITS:
        born = _of_an_elder(text, digits_to_birth_date(digits, today), today)
        cue = _cue_side(text, start, end)
        if born is not None and (cue == "birth" or cue is None):
            return ("birth_date", start, end, born)
        if cue == "birth":
            return None  # "생년월일 1950 3 2": a birth date read wrong is still no code
        return ("otp_code", start, end, digits)
    return None


# "할머니 생년월일이 261203이에요": the contract reads YY as 20YY when that day has passed, but a
# grandmother, an elder or an age in the nineties was born in 19YY.
_ELDER_WORDS = re.compile(
    r"할머니|할머님|할아버지|할아버님|어르신|노인|연세|아흔|여든|일흔|구십\s*(?:세|살)|팔십\s*(?:세|살)"
)
_CHILDHOOD_YEARS = 20


def _of_an_elder(text: str, born: str | None, today: date) -> str | None:
    """`born` moved back a century when the message speaks of an elder and it is a recent year."""
    if born is None or not _ELDER_WORDS.search(text):
        return born
    year = int(born[:4])
    if year >= 2000 and today.year - year < _CHILDHOOD_YEARS:
        return f"{year - 100}{born[4:]}"
    return born


# "1588-1234로 전화하면 되나요": eight-digit service numbers (대표번호) start 15, 16 or 18.
_SERVICE_PREFIXES = ("15", "16", "18")
_CALL_AFTER = re.compile(r"^\s*(?:번|번호)?\s*(?:으로|로|에|에서)?\s*(?:전화|연락|문의|상담)")


def _is_service_number(text: str, digits: str, start: int, end: int) -> bool:
    if not digits.startswith(_SERVICE_PREFIXES):
        return False
    return bool(_CALL_AFTER.match(text[end:])) or _nearer_cue(text, start, _PHONE_CUE, _ORDER_CUE)


def _nearest(pattern: re.Pattern[str], text: str, start: int, end: int) -> int | None:
    window_start = max(0, start - _CUE_WINDOW)
    before = [start - m.end() for m in pattern.finditer(text, window_start, start)]
    return min(before) if before else None


def _nearer_cue(text: str, start: int, cue: re.Pattern[str], rival: re.Pattern[str]) -> bool:
    near = _nearest(cue, text, start, start)
    if near is None:
        return False
    other = _nearest(rival, text, start, start)
    return other is None or near < other


def _nearer_birth_cue(text: str, start: int, end: int, rival: re.Pattern[str]) -> bool:
    if _BIRTH_CUE_AFTER.match(text[end:]):
        return True
    birth = _nearest(_BIRTH_CUE_BEFORE, text, start, end)
    if birth is None:
        return False
    other = _nearest(rival, text, start, end)
    return other is None or birth <= other


def _cue_side(text: str, start: int, end: int) -> str | None:
    if _BIRTH_CUE_AFTER.match(text[end:]):
        return "birth"
    birth = _nearest(_BIRTH_CUE_BEFORE, text, start, end)
    otp = _nearest(_OTP_CUE, text, start, end)
    if birth is None and otp is None:
        return None
    if otp is None or (birth is not None and birth <= otp):
        return "birth"
    return "otp"


_NORMALISERS: dict[str, Callable[[str, date], str | None]] = {
    "document": lambda raw, _: parse_document(raw),
    "copies": lambda raw, _: parse_copies(raw),
    "dong": lambda raw, _: parse_dong(raw),
    "order_id": lambda raw, _: parse_order_id(raw),
    "phone_number": lambda raw, _: parse_phone(raw),
    "birth_date": parse_birth_date,
    "otp_code": lambda raw, _: parse_otp(raw),
    "person_name": lambda raw, _: parse_person_name(raw),
    "business_number": lambda raw, _: parse_business_number(raw),
    "method": lambda raw, _: parse_method(raw),
}


def normalise(entity: str, raw: str, today: date) -> str | None:
    """The contract value of `raw` read as `entity`, or None when it does not fit.

    Used on spans found by a statistical extractor; unknown entity names give None.
    """
    normaliser = _NORMALISERS.get(entity)
    return None if normaliser is None else normaliser(raw, today)
