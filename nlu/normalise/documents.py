"""Document words to the document ids of nlu-contract.md.

Matching runs on the text with spaces and dots taken out, so "주민 등록 등본", "등·초본" and
"가족 관계 증명서" match like their written forms; every match maps back to exact offsets in the
original text. The longest match wins: "제적등본" is removed_register, not resident_copy.
"등초본" names two documents and yields both: "등" for the copy, "초본" for the abstract.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DOCUMENT_IDS: tuple[str, ...] = (
    "resident_copy",
    "resident_abstract",
    "family_relation",
    "basic_cert",
    "marriage_relation",
    "adoption_relation",
    "removed_register",
    "seal_certificate",
    "local_tax_payment",
    "land_ledger",
    "building_ledger",
)

# Written without spaces: the matcher ignores spaces. Typos are the ones residents make when
# typing by ear or on a phone keyboard (ㅂ/ㅁ, 계/게, 본/뽄).
_LEXICON: dict[str, tuple[str, ...]] = {
    "resident_copy": (
        "등본",
        "등몬",
        "등뽄",
        "둥본",
        "등복",
        "주민등본",
        "주민등록등본",
        "주민등록표등본",
        "주민표등본",
        "주민등록등복",
        "주민등록등몬",
        "주민등록부등본",
    ),
    "resident_abstract": (
        "초본",
        "초뽄",
        "쵸본",
        "초븐",
        "주민초본",
        "주민등록초본",
        "주민등록표초본",
        "주민표초본",
        "주민등록부초본",
    ),
    "family_relation": (
        "가족관계증명서",
        "가족관계증명",
        "가족관계",
        "가족관게",
        "가족관게증명서",
        "가족관계증명서류",
        "가족증명서",
        "가족증명",
        "가족관계서",
        "가족관계증면서",
        "가족관계등록부",
    ),
    "basic_cert": ("기본증명서", "기본증명", "기본증면서", "기본 증명서"),
    "marriage_relation": (
        "혼인관계증명서",
        "혼인관계증명",
        "혼인관계",
        "혼인관게",
        "혼인증명서",
        "혼인증명",
        "결혼증명서",
        "결혼관계증명서",
        "혼인관계증면서",
    ),
    "adoption_relation": (
        "입양관계증명서",
        "입양관계증명",
        "입양관계",
        "입양관게",
        "입양증명서",
        "입양증명",
    ),
    "removed_register": (
        "제적등본",
        "제적초본",
        "제적등초본",
        "제적부",
        "제적등본초본",
        "제적증명서",
        "제적부등본",
        "제적부초본",
        "제적",
    ),
    "seal_certificate": ("인감증명서", "인감증명", "인감증면서", "인감"),
    "local_tax_payment": (
        "지방세납세증명서",
        "지방세납세증명",
        "납세증명서",
        "납세증명",
        "지방세완납증명서",
        "지방세완납증명",
        "완납증명서",
        "완납증명",
        "지방세납세완납증명서",
        "세금완납증명서",
        "납세완납증명서",
        "세금납부증명서",
        "지방세납부증명서",
        "납부증명서",
    ),
    "land_ledger": ("토지대장", "토지대장등본", "토지 대장"),
    "building_ledger": (
        "건축물대장",
        "건축물관리대장",
        "건물대장",
        "건축대장",
        "건축물대장등본",
        "건축물 대장",
    ),
}
# Words that contain a document word but are not a request for it.
_NOT_DOCUMENTS: tuple[str, ...] = (
    "인감도장",
    "인감등록",
    "인감신고",
    # Registers and certificates of other offices (court, national tax service).
    "등기부등본",
    "등기부",
    "부동산등본",
    "법인등본",
    "국세완납증명서",
    "국세완납증명",
    "국세납세증명서",
    "국세납세증명",
    "등기등본",
    "국세완납",
    "국세납세",
    "국세납부증명서",
    "국세납부증명",
    "국세세금완납증명서",
    "국세청납세증명서",
    "국세청납세증명",
    "국세청완납증명서",
    "국세청완납증명",
    "국세청납부증명서",
    "세무서납세증명서",
    "세무서납세증명",
    "세무서완납증명서",
    "세무서완납증명",
)
# Abbreviations naming two documents; the split index is where the second one starts.
_PAIRS: dict[str, tuple[str, str, int]] = {
    "등초본": ("resident_copy", "resident_abstract", 1),
    "주민등록등초본": ("resident_copy", "resident_abstract", 5),
    "주민등초본": ("resident_copy", "resident_abstract", 3),
    "등본초본": ("resident_copy", "resident_abstract", 2),
}
# Short words must be typed in one piece: "신분증 등 본인 확인" is not a 등본.
_SHORT_KEY_CHARS = 2
_IGNORED = re.compile(r"[\s·ㆍ.\-•‧/]")


@dataclass(frozen=True, slots=True)
class DocumentMatch:
    start: int
    end: int
    document: str


def _build_keys() -> dict[str, str | None]:
    keys: dict[str, str | None] = {}
    for document, words in _LEXICON.items():
        for word in words:
            keys[_IGNORED.sub("", word)] = document
    for word in _NOT_DOCUMENTS:
        keys[word] = None
    return keys


_KEYS = _build_keys()
_MAX_KEY = max(len(k) for k in [*_KEYS, *_PAIRS])


def _compact(text: str) -> tuple[str, list[int]]:
    chars: list[str] = []
    positions: list[int] = []
    for index, char in enumerate(text):
        if not _IGNORED.match(char):
            chars.append(char)
            positions.append(index)
    return "".join(chars), positions


def find_documents(text: str) -> list[DocumentMatch]:
    """Every document named in `text`, with spans into the original text."""
    compact, positions = _compact(text)
    found: list[DocumentMatch] = []
    covered = [False] * len(compact)
    i = 0
    while i < len(compact):
        hit = _longest_at(compact, i)
        if hit is None:
            i += 1
            continue
        key, length = hit
        covered[i : i + length] = [True] * length
        start, end = positions[i], positions[i + length - 1] + 1
        if key in _PAIRS:
            first, second, split = _PAIRS[key]
            mid = positions[i + split]
            found.append(DocumentMatch(start, positions[i + split - 1] + 1, first))
            found.append(DocumentMatch(mid, end, second))
        else:
            document = _KEYS[key]
            if document is not None and (len(key) > _SHORT_KEY_CHARS or end - start == length):
                found.append(DocumentMatch(start, end, document))
        i += length
    for first, last, document in _typo_matches(compact, covered):
        start, end = positions[first], positions[last - 1] + 1
        found = [m for m in found if not (start <= m.start and m.end <= end)]
        found.append(DocumentMatch(start, end, document))
    return sorted(found, key=lambda m: m.start)


# A typo is matched only in a long document word that ends with its document suffix, so the
# suffix itself says a document is meant: "가족관꼐증명서" (ㄲ for ㄱ), "건축뭍대장".
_TYPO_SUFFIXES = ("증명서", "등본", "초본", "대장")
_TYPO_MIN_CHARS = 5
_TYPO_INDEL_MIN_CHARS = 6  # a dropped or extra syllable only in the longest words
_SYLLABLE_BASE, _SYLLABLES, _LEADS, _TAILS = 0xAC00, 11172, 588, 28


def _jamo(char: str) -> tuple[int, int, int] | None:
    code = ord(char) - _SYLLABLE_BASE
    if not 0 <= code < _SYLLABLES:
        return None
    return code // _LEADS, code % _LEADS // _TAILS, code % _TAILS


def _near_syllables(a: str, b: str) -> bool:
    """True when two syllables differ in one letter (jamo): 꼐/계, 롣/록; not 원/양."""
    ja, jb = _jamo(a), _jamo(b)
    if ja is None or jb is None:
        return False
    return sum(x != y for x, y in zip(ja, jb, strict=True)) <= 1


def _one_typo_apart(word: str, key: str) -> bool:
    """One syllable changed by one letter, or (long words) one syllable dropped or added."""
    if len(word) == len(key):
        diffs = [(a, b) for a, b in zip(word, key, strict=True) if a != b]
        return len(diffs) == 1 and _near_syllables(*diffs[0])
    shorter, longer = sorted((word, key), key=len)
    if len(longer) - len(shorter) != 1 or len(key) < _TYPO_INDEL_MIN_CHARS:
        return False
    return any(longer[:i] + longer[i + 1 :] == shorter for i in range(len(longer)))


def _typo_keys() -> list[tuple[str, str]]:
    return [
        (key, document)
        for key, document in _KEYS.items()
        if document is not None and len(key) >= _TYPO_MIN_CHARS and key.endswith(_TYPO_SUFFIXES)
    ]


_TYPO_KEYS = _typo_keys()


def _typo_matches(compact: str, covered: list[bool]) -> list[tuple[int, int, str]]:
    """(first, last, document) in `compact` for words one typo away from a long document word."""
    found: list[tuple[int, int, str]] = []
    for suffix in _TYPO_SUFFIXES:
        for match in re.finditer(suffix, compact):
            end = match.end()
            if any(start < end <= last for start, last, _ in found):
                continue  # "등본" inside a typo'd "주민등롣등본" already matched
            best = _best_typo_match(compact, covered, end)
            if best is not None:
                found.append(best)
    return found


def _best_typo_match(compact: str, covered: list[bool], end: int) -> tuple[int, int, str] | None:
    if covered[end - 1]:
        return None  # the suffix already ends an exactly written document word
    for length in range(min(_MAX_KEY + 1, end), _TYPO_MIN_CHARS - 1, -1):
        start = end - length
        window = compact[start:end]
        if _KEYS.get(window, "") is None:
            continue  # a listed non-document word
        for key, document in _TYPO_KEYS:
            if abs(len(key) - length) <= 1 and _one_typo_apart(window, key):
                return start, end, document
    return None


def _longest_at(compact: str, i: int) -> tuple[str, int] | None:
    for length in range(min(_MAX_KEY, len(compact) - i), 0, -1):
        key = compact[i : i + length]
        if key in _PAIRS or key in _KEYS:
            return key, length
    return None


def parse_document(text: str) -> str | None:
    """The document id named in `text` (the first one when it names several), or None."""
    found = find_documents(text)
    return found[0].document if found else None
