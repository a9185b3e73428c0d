"""Numbers of copies: "2통", "두 통", "이 통", "열 장", "오십 건", "스무 장" -> decimal digits.

A number is a count only next to a counter word (통 장 부 건 매 개), or when the whole
message is a native number ("둘이요"), so phones and dates never turn into counts. Single
Sino-Korean syllables are also particles and words ("이건", "일부", "사건"), so they count only
as a separate word ("이 통") or glued to 통 ("이통").
"""

from __future__ import annotations

import re

from nlu.normalise.documents import find_documents
from nlu.normalise.spoken_digits import count_number, native_number

MAX_COPIES = 1000  # bulk counts go up to 100 a day; anything far beyond is not a count

_COUNTER = re.compile(r"통|장|부|건|매|개|copies|copy|카피")
# What may follow a counter in the same word: particles and endings, never a longer noun
# ("통화", "통장", "장애", "부탁", "건축", "개월"); typed without spaces a verb may follow
# ("한통발급", "두장떼").
_AFTER_COUNTER_OK = frozenset("이요을를만씩정쯤짜도으로까하가은는에랑과와밖더뿐입예인째발떼뽑필면")
# Last syllables of document words a count is typed onto without a space ("등본두통").
_DOCUMENT_TAIL = frozenset("본서장감부명")
_SINO_SINGLES = frozenset("일이삼사오육륙칠팔구")
_GLUED_WORDS = frozenset({"세부", "열매", "한건"})
_MAX_NUMERAL_CHARS = 6
_STANDALONE = re.compile(
    r"^\s*(?:(?:네|예|음|어|아)[\s,.]+)?(?P<n>하나|둘|셋|넷|다섯|여섯|일곱|여덟|아홉|열)"
    r"\s*(?:만|이요|요|이에요|예요|입니다|만요|만\s*주세요|주세요|이|개)?\s*[.!~?]*\s*$"
)

# The answer to "몇 통 필요하세요?" may be the counting word alone: "두", "두요", "세", "세 개요",
# "한 개". "네" alone is yes and "세요" a verb ending, so neither counts.
_STANDALONE_ATTRIBUTIVE = re.compile(
    r"^\s*(?:(?:음|어|아|저)[\s,.]+)?(?:(?P<n>두|세(?!요)|석|한|다섯|여섯|일곱|여덟|아홉|열두|열세)"
    r"(?:요|만|만요|이요)?|(?P<m>두|세|네|한|석|넉)\s*개\s*(?:요|만|만요|이요|예요)?)\s*[.!~?]*\s*$"
)


def _is_hangul(char: str) -> bool:
    return "\uac00" <= char <= "\ud7a3"


def _counter_ends_word(text: str, end: int) -> bool:
    return end >= len(text) or not _is_hangul(text[end]) or text[end] in _AFTER_COUNTER_OK


def _numeral_before(text: str, counter_start: int, counter: str) -> tuple[int, int] | None:
    """(start, value) of the number written just before a counter, or None."""
    end = counter_start
    spaced = end > 0 and text[end - 1] == " "
    if spaced:
        end -= 1
    arabic = re.search(r"(?<![\d,.])\d{1,4}$", text[:end])
    if arabic:
        return arabic.start(), int(arabic.group())
    for length in range(min(_MAX_NUMERAL_CHARS, end), 0, -1):
        start = end - length
        candidate = text[start:end]
        if not _is_hangul(candidate[0]) or not _is_hangul(candidate[-1]):
            continue
        value = count_number(candidate)
        if value is None or not _numeral_fits(text, start, candidate, counter, spaced):
            continue
        return start, value
    return None


def _numeral_fits(text: str, start: int, numeral: str, counter: str, spaced: bool) -> bool:
    before = text[start - 1] if start > 0 else " "
    glued_left = _is_hangul(before)
    if numeral in _SINO_SINGLES:
        # "이건" (this), "일부" (some), "사장": a bare digit syllable counts only as its own
        # word, and glued to a counter only in "이통"; "이 건" is "this case" far more often.
        if glued_left or numeral + counter == "이건":
            return False
        return spaced or counter == "통"
    if not spaced and numeral + counter in _GLUED_WORDS:
        return False
    if glued_left:
        # "간단한 건", "필요한건": an adjective ending, unless a document word ends right there
        # ("등본두통", "초본오십건").
        return not spaced and before in _DOCUMENT_TAIL
    return True


# "두통" is also a headache ("두통이 심해요"): typed without a space it is a count only right
# after a document word ("등본 두통", "등본두통") or before a request for copies ("두통 떼 주세요").
_HEADACHE = "두통"
_HEADACHE_DOCUMENT_GAP = 8
_COPY_REQUEST_AFTER = re.compile(
    r"(?:씩|만)|(?:이요|요|을|를|은|는|도|으로|로)?\s*"
    r"(?:떼|뗴|뗄|뗐|뽑|발급|출력|필요|주세요|줘|주실|부탁|신청|해\s*주|해\s*줘|할게|하려)"
)


def _is_headache(text: str, start: int, end: int) -> bool:
    if text[start:end] != _HEADACHE:
        return False
    if _COPY_REQUEST_AFTER.match(text, end):
        return False
    near_document = any(
        m.end <= start and start - m.end <= _HEADACHE_DOCUMENT_GAP for m in find_documents(text)
    )
    return not near_document


def find_copies(text: str, *, count_expected: bool = False) -> list[tuple[int, int, str]]:
    """(start, end, count) for every number of copies in `text`.

    `count_expected` is for a span already tagged as a count: "두통" is then no headache.
    """
    found: list[tuple[int, int, str]] = []
    for match in _COUNTER.finditer(text):
        if not _counter_ends_word(text, match.end()):
            continue
        numeral = _numeral_before(text, match.start(), match.group())
        if numeral is None:
            continue
        start, value = numeral
        if not count_expected and _is_headache(text, start, match.end()):
            continue
        if 1 <= value <= MAX_COPIES and not any(s < match.end() and start < e for s, e, _ in found):
            found.append((start, match.end(), str(value)))
    standalone = _STANDALONE.match(text) or _STANDALONE_ATTRIBUTIVE.match(text)
    if not found and standalone:
        group = "n" if standalone["n"] else "m"
        alone = native_number(standalone[group])
        if alone is not None:
            found.append((standalone.start(group), standalone.end(group), str(alone)))
    return found


# "등본 하나 주세요": a bare native number right after a document word counts its copies, also
# after the document's variant ("혼인관계증명서 상세로 하나", "초본 영문으로 둘").
_AFTER_DOCUMENT = re.compile(
    r"\s*(?:을|를|은|는|도|만|이|가)?"
    r"(?:\s*(?:상세|일반|요약|전체|영문|국문|한글|특정|간략|최신)(?:본|증명서)?"
    r"(?:으로|로|으로요|로요|도|만|을|를|은|는|이|가|이요|요)?)?"
    r"\s*(?P<n>하나|둘|셋|넷|다섯|여섯|일곱|여덟|아홉|열)"
    r"(?=$|[^가-힣]|만|요|이요|씩|이랑|랑|하고|이면|면|이에요|예요|만요|정도|떼|뽑|발급|주세요|필요)"
)


def count_after_document(text: str, document_end: int) -> tuple[int, int, str] | None:
    """(start, end, count) of a bare native number just after a document word, or None."""
    match = _AFTER_DOCUMENT.match(text, document_end)
    if match is None:
        return None
    value = native_number(match["n"])
    return None if value is None else (match.start("n"), match.end("n"), str(value))


# "팔십 넘은 어르신", "여든 살", "칠십 세 이상": an age, not a number of copies.
_AGE_AFTER = re.compile(
    r"\s*(?:살|세(?![가-힣])|세(?:에|인|이|가|로|는|도|부터|까지|쯤|정도|이상|넘)|넘|이상|이\s*넘|가\s*넘"
    r"|이\s*되|가\s*되|다\s*되|드신|되신|잡수|먹은|평생)"
)


def is_age(text: str, number_end: int) -> bool:
    """True when the number ending at `number_end` is followed by an age word, not a counter."""
    return _AGE_AFTER.match(text, number_end) is not None


def parse_copies(text: str) -> str | None:
    """Normalise a copies span ("두 통", "두", "2", "오십") to decimal digits, or None."""
    found = find_copies(text, count_expected=True)
    if found:
        return found[0][2]
    bare = re.sub(r"(?:만|이요|요|이에요|예요|입니다|씩|정도|쯤)+\s*[.!?~]*$", "", text.strip())
    value = count_number(bare)
    if value is not None and 1 <= value <= MAX_COPIES:
        return str(value)
    return None
