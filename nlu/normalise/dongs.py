"""Dong (administrative neighbourhood) names to their official form ("신당 5동" -> "신당5동").

The list of dongs is district data: it is read from `data/district/<district>.yml` so another
district swaps the file, not this code. A dong is recognised by its official name, by its name
without "동" ("신당", "을지로") when that word stands alone, and numbered dongs by their spoken
or spaced forms ("신당 5동", "신당오동", "신당 제5동").
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

DEFAULT_DISTRICT_FILE = Path(__file__).resolve().parents[2] / "data" / "district" / "jung-gu.yml"

_NUMBER_WORDS = {
    "1": "일",
    "2": "이",
    "3": "삼",
    "4": "사",
    "5": "오",
    "6": "육",
    "7": "칠",
    "8": "팔",
    "9": "구",
}
# After a bare stem ("신당", "청구") only these may follow in the same word; otherwise the stem
# is part of another word ("청구서", "다산콜센터", "다산로", "동화책"). A station ("신당역",
# "약수역") names its dong.
_STEM_PARTICLES = (
    "에서",
    "에",
    "이요",
    "요",
    "이에요",
    "예요",
    "쪽",
    "근처",
    "주민센터",
    "센터",
    "동사무소",
    "사무소",
    "발급기",
    "은",
    "는",
    "이",
    "가",
    "도",
    "까지",
    "인데",
    "이고",
    "입니다",
    "사는",
    "살",
    "으로",
    "역",
)
_MIN_STEM_CHARS = 2
# Stems that are also everyday words: "보험 청구에" (a claim), "동화책" / "동화 읽어" (a fairy
# tale), "약수 뜨러" (spring water). Without "동" they name the dong only next to a place word
# ("청구 주민센터", "약수역", "청구에 살아요", "사는 곳은 청구요") or as the whole answer
# ("청구요").
COMMON_WORD_STEMS = frozenset({"청구", "동화", "약수"})
_PLACE_AFTER = re.compile(
    r"(?:\s*(?:쪽|근처|주민\s*센터|센터|동\s*사무소|사무소|발급기|역|주변|부근|사거리"
    r"|시장)"
    r"|(?:에|에서)\s*(?:사|살)|\s*(?:사는|살아|살고))"
)
_WHOLE_ANSWER = re.compile(r"(?:이요|요|이에요|예요|입니다|이고요)?\s*[.!?~]*\s*$")
_PLACE_BEFORE = re.compile(r"(?:사는\s*(?:곳|데|동네)|주소|동네|거주지)\S*\s*$")


@dataclass(frozen=True, slots=True)
class DongMatch:
    start: int
    end: int
    dong: str


def load_dongs(path: Path = DEFAULT_DISTRICT_FILE) -> tuple[str, ...]:
    """Official dong names listed under `dongs:` in a district file."""
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    return tuple(str(name) for name in data["dongs"])


def _is_hangul(char: str) -> bool:
    return "\uac00" <= char <= "\ud7a3"


@dataclass(frozen=True, slots=True)
class _Pattern:
    regex: re.Pattern[str]
    dong: str
    is_stem: bool


def _patterns_for(dong: str) -> list[_Pattern]:
    numbered = re.fullmatch(r"(?P<stem>.+?)(?P<n>\d)동", dong)
    if numbered:
        stem, number = numbered["stem"], numbered["n"]
        spoken = _NUMBER_WORDS[number]
        regex = re.compile(rf"{re.escape(stem)}\s?제?\s?(?:{number}|{spoken})\s?동")
        return [_Pattern(regex, dong, is_stem=False)]
    stem = dong.removesuffix("동")
    patterns = [
        _Pattern(
            re.compile(rf"{re.escape(stem)}\s?동" if len(stem) > 1 else dong), dong, is_stem=False
        )
    ]
    if len(stem) >= _MIN_STEM_CHARS:
        patterns.append(_Pattern(re.compile(re.escape(stem)), dong, is_stem=True))
    return patterns


@cache
def _compiled(dongs: tuple[str, ...]) -> list[_Pattern]:
    patterns = [p for dong in dongs for p in _patterns_for(dong)]
    # Longest official forms first so "신당 5동" is not read as "신당" + a stray "5동".
    return sorted(patterns, key=lambda p: (p.is_stem, -len(p.regex.pattern)))


def _stem_stands_alone(text: str, end: int) -> bool:
    if end >= len(text) or not _is_hangul(text[end]):
        return True
    return text.startswith(_STEM_PARTICLES, end)


def _names_a_place(text: str, start: int, end: int) -> bool:
    """True when a stem that is also a common word is used as a place."""
    if _PLACE_AFTER.match(text, end) or _PLACE_BEFORE.search(text[:start]):
        return True
    return not text[:start].strip(" ,.!?~네예음") and _WHOLE_ANSWER.match(text, end) is not None


def find_dongs(text: str, dongs: tuple[str, ...] | None = None) -> list[DongMatch]:
    """Every dong named in `text` ("명동 근처 발급기" -> 명동), with spans into `text`."""
    names = dongs if dongs is not None else load_default_dongs()
    taken = [False] * len(text)
    found: list[DongMatch] = []
    for pattern in _compiled(names):
        for match in pattern.regex.finditer(text):
            start, end = match.span()
            if any(taken[start:end]):
                continue
            if start > 0 and _is_hangul(text[start - 1]) and not text[:start].endswith("중구"):
                continue  # inside a longer word: "혁명동지", "공명동"
            if pattern.is_stem and not _stem_stands_alone(text, end):
                continue
            common_word = pattern.is_stem and match.group() in COMMON_WORD_STEMS
            if common_word and not _names_a_place(text, start, end):
                continue
            for i in range(start, end):
                taken[i] = True
            found.append(DongMatch(start, end, pattern.dong))
    return sorted(found, key=lambda m: m.start)


def district_file() -> Path:
    """The district file: `MINWON_DISTRICT_FILE` (a path, or a name in `data/district/`).

    Without the variable, `data/district/jung-gu.yml`. The action server reads the same variable.
    """
    configured = os.environ.get("MINWON_DISTRICT_FILE")
    if not configured:
        return DEFAULT_DISTRICT_FILE
    path = Path(configured)
    if not path.is_absolute() and not path.exists():
        path = DEFAULT_DISTRICT_FILE.parent / configured
    return path


@cache
def load_default_dongs() -> tuple[str, ...]:
    """Dongs of the configured district file, read once per process."""
    return load_dongs(district_file())


def parse_dong(text: str, dongs: tuple[str, ...] | None = None) -> str | None:
    """The official name of the dong named in `text`, or None."""
    found = find_dongs(text, dongs)
    return found[0].dong if found else None


def judge_dong_span(text: str, start: int, end: int) -> str | None:
    """The dong in another extractor's span `text[start:end]`, judged in its sentence.

    The span alone ("청구") reads as a whole answer; in "보험 청구에 필요해요" it is a claim.
    """
    raw = text[start:end]
    found = find_dongs(raw)
    if not found:
        return None
    first = found[0]
    if raw[first.start : first.end] in COMMON_WORD_STEMS and not _names_a_place(
        text, start + first.start, start + first.end
    ):
        return None
    return first.dong
