"""Judges a person_name span proposed by the statistical tagger (DIET).

The rule-based finder (`person_names.find_person_names`) only takes a name in a name context, so
DIET's spans are what catches a name in a sentence the rules do not know. DIET also tags word
pieces that look like names by their letters alone: a copula after a number ("500302 임니다",
Jeju "이우다", Gyeongsang "이라예") or a typo'd greeting ("안녀하세요" read as "안녀하" + "세요").
So a DIET name must pass a stricter check than a cued one: a whole word that is not only an
ending, a common surname and a usual-length given name (as if no cue were present), not a verb
stem before an honorific ending, not a common noun, no verb syllable in the given name and no
particle-like last syllable, and after a number not a word that starts like a copula.
"""

from __future__ import annotations

import re

from nlu.normalise.person_names import (
    COMPOUND_SURNAMES,
    COPULA_STARTS,
    ENDINGS,
    explains_surname,
    reads_as_common_word,
    split_name,
)
from nlu.normalise.spoken_digits import count_number, spoken_digits

# Whole words that are only endings, copulas or greetings, whatever DIET thinks of them.
STOP_WORDS: frozenset[str] = frozenset(
    {
        *ENDINGS,
        "입니다",
        "임니다",
        "입니당",
        "이우다",
        "이라예",
        "이에요",
        "이예요",
        "이여",
        "이구먼",
        "이구만",
        "이지예",
        "이거든",
        "인디",
        "인디요",
        "이랑께",
        "이라니까",
        "안녕하세요",
        "안녀하세요",
        "안녕하십니까",
        "안뇽하세요",
        "안냐세요",
        "여보세요",
        "감사합니다",
        "고맙습니다",
        "수고하세요",
    }
)
# Three-syllable words DIET may take for names by their letters: a surname syllable first, then
# something that fits a given name.
COMMON_NOUNS: frozenset[str] = frozenset(
    {
        "강아지",
        "고양이",
        "고지서",
        "공무원",
        "서비스",
        "배우자",
        "지하철",
        "주정차",
        "마이크",
        "고스톱",
        "채무자",
        "연체자",
        "임신부",
        "제출용",
        "소송용",
        "전체적",
        "신분증",
        "주민증",
        "면허증",
        "여권이",
        "도서관",
        "우체국",
        "은행원",
        "구청장",
        "동장님",
        "민원인",
        "한가지",
        "이대로",
        "정도로",
    }
)
# Last syllables a given name rarely ends with, but particles, dialect endings and dates do:
# "기계가", "장이면", "한당가", "구일생".
_NOT_LAST_SYLLABLES = frozenset("가도로야면고네까생년월")
# Verb syllables no given name holds: "주셔유", "하능교", "어딨어", "어렵네", "인쇄할".
_NOT_GIVEN_SYLLABLES = frozenset("셔능겼딨렵쇄할갈볼줄될딘었겠았했됐렸셨왔갔냈봤습읍")
# First two syllables of verbs and nouns DIET took for names ("주시오", "한대유", "길고양이").
_NOT_NAME_STARTS = (
    "주시",
    "주실",
    "주이",
    "주셔",
    "하시",
    "한대",
    "연대",
    "나가",
    "나와",
    "이혼",
    "문제",
    "길고",
    "오동",
)
_SYLLABLE_BASE, _SYLLABLES, _TAILS = 0xAC00, 11172, 28
# "안녀하세요": a verb stem ending in 하 before an honorific or formal ending is no name.
_VERB_AFTER_HA = re.compile(r"하(?:세|십|셔|셨|시|합|ㅂ|고|는|여|죠|자)")
# Case particles the rule-based finder has no need for (a name answer rarely carries them).
_CASE_PARTICLES = (
    "이가", "가", "이는", "는", "이를", "를", "을", "한테", "에게", "이도", "도", "의",
    "하고", "이랑", "랑", "과", "와",
)  # fmt: skip
_NUMBER_BEFORE = re.compile(r"[0-9][\s\-.,]*$")


def _is_hangul(char: str) -> bool:
    return "\uac00" <= char <= "\ud7a3"


def _word_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    while start > 0 and _is_hangul(text[start - 1]):
        start -= 1
    while end < len(text) and _is_hangul(text[end]):
        end += 1
    return start, end


def _after_number(text: str, start: int) -> bool:
    before = text[:start]
    if _NUMBER_BEFORE.search(before):
        return True
    previous = re.search(r"([가-힣]+)\s*$", before)
    if previous is None:
        return False
    word = previous.group(1)
    return spoken_digits(word) is not None or count_number(word) is not None


def _ends_in_subject_particle(name: str) -> bool:
    """True for "기준이", "소식이": 이 after a closed syllable is a noun's subject particle.

    A name like "김순이" is lost to DIET here; the rules still take it as an answer ("김순이요").
    """
    code = ord(name[-2]) - _SYLLABLE_BASE
    return name[-1] == "이" and 0 <= code < _SYLLABLES and code % _TAILS != 0


def _name_in_word(word: str) -> str | None:
    """The name at the start of `word`, also before a case particle ("박서연이가", "김영희한테")."""
    name = split_name(word, cued=False)
    if name is not None:
        return name
    for particle in _CASE_PARTICLES:
        if word.endswith(particle) and len(word) > len(particle):
            name = split_name(word[: -len(particle)], cued=False)
            if name is not None:
                return name
    return None


def judge_statistical_name(text: str, start: int, end: int) -> str | None:
    """The name in DIET's span `text[start:end]` when it passes the strict check, else None."""
    if not 0 <= start < end <= len(text):
        return None
    word_start, word_end = _word_bounds(text, start, end)
    if word_start != start:
        return None  # a piece of a longer word ("500302임니다", "2천원이에요")
    if start > 0 and text[start - 1].isalnum():
        return None
    word = text[word_start:word_end]
    if word in STOP_WORDS:
        return None
    name = _name_in_word(word)
    if name is None or name in STOP_WORDS or name in COMMON_NOUNS or word in COMMON_NOUNS:
        return None
    if reads_as_common_word(word, name):
        return None  # "고령자라서", "공무원인데": a dictionary word the tagger took for a name
    if explains_surname(text, start):
        return None  # "성이 황보예요": the surname alone, after the name was given
    given = name[2:] if name[:2] in COMPOUND_SURNAMES else name[1:]
    if name[-1] in _NOT_LAST_SYLLABLES or any(c in _NOT_GIVEN_SYLLABLES for c in given):
        return None
    if name.startswith(_NOT_NAME_STARTS) or _ends_in_subject_particle(name):
        return None
    if _VERB_AFTER_HA.match(word, len(name) - 1) and name.endswith("하"):
        return None
    if _after_number(text, start) and word.startswith(COPULA_STARTS):
        return None
    return name
