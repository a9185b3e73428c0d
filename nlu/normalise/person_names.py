"""Korean personal names as written ("제 이름은 김영희입니다" -> "김영희").

A word is a name only in a name context: after "이름은", "성함은", "저는", "제가", "저 ...인데요",
before "라고 합니다", as the first word of a short answer ("김영희요", "김영희고요 50년..."), as
the name a request is made out to ("그럼 김영희로 해 주세요"), after another answer or a correction
("... 010-1234-5678 김영희예요", "김지훈 말고 김지운이요"), or said whole after being spelled out
syllable by syllable ("정 민 호 정민호입니다").
It starts with a common surname, has 2-4 syllables (3 without an explicit name cue, since
most two-syllable words that start with a surname syllable are ordinary nouns: "정말", "오늘",
"배달"), and loses its particles and copulas ("이에요", "입니다", "이고요").
"""

from __future__ import annotations

import re

from nlu.normalise.documents import find_documents
from nlu.normalise.dongs import find_dongs
from nlu.normalise.known_words import is_dictionary_word
from nlu.normalise.name_lexicon import NOT_NAME_PREFIXES
from nlu.normalise.spoken_digits import count_number, spoken_digits

SURNAMES = frozenset(
    "김이박최정강조윤장임한오서신권황안송류유전홍고문양손배백허남심노하곽성차주우구민진나지엄채원천방공현함변염여추도석선설마길연위표명기반왕금옥육인맹제모탁국어은편용라봉태경소"
)
COMPOUND_SURNAMES = frozenset({"남궁", "황보", "제갈", "선우", "독고", "사공", "서문", "동방"})

# Particles and copulas that follow a name in the same word, longest first.
_ENDINGS: tuple[str, ...] = tuple(
    sorted(
        {
            "이라고합니다",
            "라고합니다",
            "이라고해요",
            "라고해요",
            "이라고요",
            "라고요",
            "이라고",
            "라고",
            "이라구요",
            "라구요",
            "입니다",
            "이에요",
            "이예요",
            "예요",
            "에요",
            "이고요",
            "이구요",
            "고요",
            "구요",
            "이고",
            "인데요",
            "인데",
            # Dialect "인디요" ("배철수인디요"), spoken "인뎁쇼"-like forms stay out.
            "인디요",
            "인디",
            "이요",
            "요",
            "이야",
            "야",
            "이다",
            "임",
            "씨",
            "님",
            "씨요",
            "님이요",
            "이거든요",
            "거든요",
            "이랍니다",
            "라요",
            "이라요",
            "임다",
            "입니당",
            "임니다",
            "이에용",
            "예용",
            "에용",
            "이애요",
            "애요",
            "이예용",
            "이",
            "이에여",
            "에여",
            "예여",
            "이예여",
            "이여",
            "여",
            "이유",
            "유",
            "이오",
            "라예",
            "이라예",
            "이랑께",
            "랑께",
            "이랑께요",
            "랑께요",
            "이당께",
            "당께",
            # More dialect and casual copulas: "황금순이어유", "곽복례인데예", "송하늘이에염",
            # "곽복례라카이", "황금순이어라", "곽복례예".
            "이어유",
            "이에유",
            "에유",
            "인데예",
            "이에염",
            "에염",
            "임당",
            "이어라",
            "이여라",
            "여라",
            "이라카이",
            # Gyeongsang "김말순이라꼬요".
            "이라꼬요",
            "라꼬요",
            "이라꼬",
            "라꼬",
            "라카이",
            "이예",
            "예",
            "이라니까요",
            "라니까요",
            "이라니까",
            "라니까",
            "이라는",
            "라는",
            "이래요",
            "래요",
            "이지요",
            "지요",
            "이죠",
            "죠",
            "이구먼",
            "입니더",
            "이고예",
            "고예",
            # Jeju: "고순덕이우다", "고순덕이우꽈", "고순덕이라마씸".
            "이우다",
            "우다",
            "이우꽈",
            "우꽈",
            "이라마씸",
            "마씸",
            # "김영희로 해 주세요", "박서연으로요", "김영희씨로": the name a request is made out to.
            "으로",
            "으로요",
            "로",
            "로요",
            "씨로",
            "씨로요",
            "님으로",
            "랍니다",
            "이세요",
            "세요",
            # KakaoTalk spellings: "김영희욤", "박서연이구여", "저 최민준인데여", and the copula
            # dropped after a vowel in a list ("이름이 김영희고 전화는 …").
            "이욤",
            "욤",
            "에욤",
            "인데여",
            "인뎅",
            "이구여",
            "구여",
            "이고여",
            "고여",
            "이라구여",
            "라구여",
            "고",
            # Typos and stretched endings: "김영희여요", "김영희입니닷", "박서연이에요오".
            "여요",
            "이여요",
            "입니닷",
            "이에요오",
            "에요오",
            "예요오",
            "이요오",
            "요오",
        },
        key=len,
        reverse=True,
    )
)
ENDINGS: frozenset[str] = frozenset(_ENDINGS)
# After a number a word starting like a copula is the number's ending ("500302 이우다게"), even
# when the rest is a typo no list can hold.
COPULA_STARTS = (
    "이에",
    "이예",
    "이애",
    "이우",
    "이라",
    "이여",
    "이구",
    "이고",
    "이요",
    "이다",
    "이지",
    "임니",
    "입니",
    "임다",
    "인데",
    "인디",
    "이랑",
)
# A bare name followed by one of these words is still a name answer ("김영희 입니다").
_COPULA_WORDS = re.compile(
    r"^(?:(?:입니다|이에요|예요|이예요|이고요|고요|인데요|이요|요|이라고|라고"
    # Spoken and dialect copulas transcribed apart: "김영희 이라예", "김영희 이여".
    r"|이라예|라예|이여|이에여|이유|이어유|이우다|이랑께|이구요|이고예|입니더|이오)(?![가-힣])"
    r"|씨|님)"
)
_NAME_CUE = re.compile(
    r"(?:이름|성함|성명|신청자|신청인|본인|(?:받는|받으실|받으시는)\s*(?:사람|분)"
    # Typed on a phone keyboard: "셩함은", "이룸은".
    r"|셩함|성햠|이룸|이릉"
    # The person a business or an account is in the name of: "대표자는 유상철이고요".
    r"|대표자|대표님|담당자|예금주|명의자)"
    r"\s*(?:은|는|이|가|:|이요|요)?\s*[?:.,!~]*\s*$"
)
_SELF_CUE = re.compile(
    r"(?:^|[\s,.])(?:저는|전|저|제가|나는|난|내가|나|본인은"
    # Gyeongsang and Jeolla "지는" / "지가" (저는 / 제가): "지는 배춘자라예".
    r"|지는|지가"
    # A relative the resident speaks for: "어머니가 정순자인데 대신 떼려고요".
    r"|(?:어머니|어머님|아버지|아버님|엄마|아빠|남편|아내|집사람|와이프|할머니|할아버지|아들|딸"
    r"|모친|부친|시어머니|장모님|동생|언니|누나|오빠|형)(?:은|는|이|가|께서|분은)?)\s*$"
)
# A bare first word followed by these is still an answer: "고은비 맞아요", "홍길순 할머니".
_AFTER_BARE_NAME = re.compile(
    r"^(?:맞|씨|님|할머니|할아버지|어르신|어머니|아버지|이름으로|명의로|[0-9]"
    # "김지훈 말고 김지운이요": the old value of a correction is still a name (then dropped).
    r"|말고|말구|아니고|아니구|아니라|대신"
    r"|[공영일이삼사오육칠팔구천백십]{2}(?:\s*년|[공영일이삼사오육칠팔구천백십]))"
)
_MADE_OUT_TO = re.compile(
    r"^(?:해\s*주|해\s*줘|해\s*요|할게|하겠|하려|부탁|신청|발급|바꿔|변경|돼|되)"
)
_NAMED_AS = re.compile(r"^\s*이름")
_SAYS_CALLED = re.compile(r"^\s*(?:합니다|해요|하는데요|하고요|하구요|합니당|하옵니다)")
_FILLERS = re.compile(
    r"^(?:\s*(?:(?:네|예|아|음|어|응|그)+|넹|넵|넴|웅|엉|저기요|여보세요|아이고|어머|맞아요|그러니까|그럼|그러면"
    r"|좋아요|알겠어요|잠깐만요)[\s,.!~?]+)+"
)
# Syllables that end sentences or mark grammar; a name does not contain them.
_NON_NAME_SYLLABLES = frozenset(
    "요습까께했겠었았죠데돼되줘봐는을를의에냐뭐왜걸랑됩합해님씨게갈려됐워파케랬냈왔갔셨렸줬봤헤뇽났으"
)
# Units a number takes ("구십살", "이십통"); a name is never a number before one of them.
_UNIT_SYLLABLES = frozenset("살세통장부건개번시분월일년명")
# A given name may end in one of these only after an explicit cue (가을, 하을, 이을).
_CUED_LAST_SYLLABLES = ("을",)
_MIN_NAME, _USUAL_NAME, _MAX_NAME = 2, 3, 4
_CUE_WINDOW = 40
# A name may also follow another answer in the same message: after a birth date ("...생"), a
# number or a date ("...9일 정순자요"), a clause closed by "요" / "고" / "는데" / a comma, or the
# correction word before a new name ("박서연 아니라 박서윤입니다").
_AFTER_ANSWER = re.compile(
    r"(?:생|일|\d|(?:^|\s)[공영일이삼사오육칠팔구]+|요|고|는데|아니라|대신|,"
    # "101동 1203호 김영희요": an address line, then the name.
    r"|\d\s*(?:동|호|층))\s*$"
)
# "…이일생 김영희 공일공 일이삼사 …": the next answer, a number, follows the bare name.
_NUMBER_AFTER = re.compile(r"^(?:[0-9]|[공영일이삼사오육칠팔구]{3})")
_ANSWER_ENDINGS = (
    # Dialects: Gyeongsang "라예", Jeju "이우다", Chungcheong "이유", Jeolla "이랑께".
    "이라예",
    "라예",
    "이우다",
    "우다",
    "이유",
    "이어유",
    "이에유",
    "이랑께",
    "랑께",
    "이당께",
    "이에여",
    "이여",
    "이고요",
    "고요",
    "이구요",
    "구요",
    "인데요",
    "입니다",
    "이에요",
    "예요",
    "이요",
    "요",
)


def _is_hangul_word(word: str) -> bool:
    return bool(word) and all("\uac00" <= c <= "\ud7a3" for c in word)


def is_plausible_name(name: str, *, cued: bool) -> bool:
    """True when `name` looks like a Korean full name (surname first, 2-4 syllables)."""
    if not _is_hangul_word(name) or not _MIN_NAME <= len(name) <= _MAX_NAME:
        return False
    compound = name[:2] in COMPOUND_SURNAMES
    if not compound and name[0] not in SURNAMES:
        return False
    if not cued and not compound and len(name) != _USUAL_NAME:
        return False  # without a cue, two- and four-syllable words are too often not names
    if compound and len(name) < _USUAL_NAME:
        return False
    given = name[2:] if compound else name[1:]
    if cued and len(name) >= _USUAL_NAME and given.endswith(_CUED_LAST_SYLLABLES):
        given = given[:-1]  # "이름은 홍가을이요": after a cue, 가을 is a given name, not 가 + 을
    if name[:2] in NOT_NAME_PREFIXES or any(c in _NON_NAME_SYLLABLES for c in given):
        return False
    if len(set(name)) == 1:
        return False  # "노노노", "하하하"
    if spoken_digits(name) is not None or count_number(name) is not None:
        return False
    if any(
        name[k] in _UNIT_SYLLABLES and count_number(name[:k]) is not None
        for k in range(_MIN_NAME, len(name))
    ):
        return False  # "구십살이에요", "오십통이요": a number and its unit, not 오 + 세훈
    return not find_documents(name) and not find_dongs(name)


# "김영희요요", "김영희요오오": a last syllable typed twice or stretched.
_STRETCHED_END = re.compile(r"(요)(?:요|오|우)+$")


def split_name(word: str, *, cued: bool) -> str | None:
    """The name at the start of `word` once its particle or copula is dropped, or None."""
    if word in ENDINGS:
        return None  # "임니다", "이우다": a copula on its own, whatever its first syllable
    word = _STRETCHED_END.sub(r"\1", word)
    readings: list[str] = []
    for ending in (*_ENDINGS, ""):
        if ending and not word.endswith(ending):
            continue
        base = word[: len(word) - len(ending)] if ending else word
        if is_plausible_name(base, cued=cued) and base not in readings:
            readings.append(base)
    if not readings:
        return None
    # "김순이요" could be 김순 + 이요 or 김순이 + 요; three syllables is the common name length.
    usual = [
        r
        for r in readings
        if len(r) == _USUAL_NAME or (r[:2] in COMPOUND_SURNAMES and len(r) == _MAX_NAME)
    ]
    return (usual or readings)[0]


def _words(text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group()) for m in re.finditer(r"[가-힣]+", text)]


def find_person_names(text: str) -> list[tuple[int, int, str]]:
    """(start, end, name) of every name given in a name context."""
    found: list[tuple[int, int, str]] = []
    words = _words(text)
    filler = _FILLERS.match(text)
    first_index = 0
    if filler:
        first_index = next((i for i, w in enumerate(words) if w[0] >= filler.end()), len(words))
    for index, (start, end, word) in enumerate(words):
        if start > 0 and text[start - 1].isalnum():
            continue  # "2천원이에요": the word is glued to a number, not a name
        if explains_surname(text, start):
            continue  # "황보준입니다 성이 황보예요": the surname explained, not another name
        following = text[end:].lstrip()
        name = _spelled_out_name(text, words, index) or _name_in_context(
            text, start, end, word, following, is_first=index == first_index
        )
        if name is not None and _is_honorific_verb(name, text[start + len(name) : end]):
            name = None  # "안냥하세요": a greeting's stem 하 + 세요, not a name ending in 하
        if name is not None and not any(s < start + len(name) and start < e for s, e, _ in found):
            found.append((start, start + len(name), name))
    if not found:
        found += _glued_cue_names(words)
    if not found:
        spelled = _spelled_only_name(text)
        if spelled is not None:
            found.append(spelled)
    if not found:
        found += _spaced_surname_names(text, words, first_index)
    return found


# "제이름은김영희입니다", "이름김영희요": the cue typed without the space before the name.
_GLUED_CUE = re.compile(r"^(?:제|내|저의)?(?:이름|성함|성명|셩함|이룸)(?:은|는|이|:)?")


def _glued_cue_names(words: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    for start, _, word in words:
        cue = _GLUED_CUE.match(word)
        if cue is None or len(word) - cue.end() < _MIN_NAME:
            continue
        rest = word[cue.end() :]
        name = split_name(rest, cued=True) or _name_before_next_clause(rest)
        if name is not None:
            name_start = start + cue.end()
            return [(name_start, name_start + len(name), name)]
    return []


# "제이름은김영희이고생일은…": with no spaces the name runs into the next clause.
_CLAUSE_AFTER_NAME = (
    "이고", "이구", "인데", "이요", "이에요", "입니다",
    "이라고", "라고", "예요", "에요", "고", "요",
)  # fmt: skip


def _name_before_next_clause(rest: str) -> str | None:
    for length in (_USUAL_NAME, _MIN_NAME, _MAX_NAME):
        name, tail = rest[:length], rest[length:]
        if tail.startswith(_CLAUSE_AFTER_NAME) and is_plausible_name(name, cued=True):
            return name
    return None


# Surname syllables that are also everyday words on their own ("이 서류", "나 몰라", "제 거",
# "안 돼요", "오 좋아요"): never joined to the next word as a spaced name; 이 only after a cue.
_STANDALONE_SYLLABLES = frozenset("나제안오어마우도공은")
_SPACE_IN_NAME = re.compile(r" {1,2}")
_GIVEN_SYLLABLES = 2


def _spaced_surname_names(
    text: str, words: list[tuple[int, int, str]], first_index: int
) -> list[tuple[int, int, str]]:
    """A name typed or transcribed with a space after the surname: "김 영희요", "남궁 민수".

    The surname and the next word are read as one word in the same contexts as any name; the
    given name must then be exactly two syllables, so "김 선생님" or "이 서류는" stay apart.
    """
    for index in range(len(words) - 1):
        start, end, surname = words[index]
        next_start, next_end, rest = words[index + 1]
        if not (
            (len(surname) == 1 and surname in SURNAMES and surname not in _STANDALONE_SYLLABLES)
            or surname in COMPOUND_SURNAMES
        ):
            continue
        if not _SPACE_IN_NAME.fullmatch(text, end, next_start):
            continue
        if start > 0 and text[start - 1].isalnum():
            continue
        if index > 0 and len(words[index - 1][2]) == 1:
            continue  # "이 민 준이요": letters spelled one by one, read by the spelling rules
        before = text[max(0, start - _CUE_WINDOW) : start]
        if surname == "이" and not _NAME_CUE.search(before):
            continue
        joined = surname + rest
        following = text[next_end:].lstrip()
        name = _name_in_context(
            text, start, next_end, joined, following, is_first=index == first_index
        )
        if name is None or len(name) != len(surname) + _GIVEN_SYLLABLES:
            continue
        if _is_honorific_verb(name, joined[len(name) :]):
            continue
        return [(start, next_start + _GIVEN_SYLLABLES, name)]
    return []


# "성이 황보예요", "성은 남궁이고요": a word after these explains the surname alone.
_SURNAME_TOLD = re.compile(r"(?:^|\s)성(?:이|은|씨는|씨가)?\s*$")


def explains_surname(text: str, start: int) -> bool:
    """True when the word at `start` follows "성이" / "성은": it is the surname on its own."""
    return bool(_SURNAME_TOLD.search(text, 0, start))


_HONORIFIC_VERB_ENDING = re.compile(r"(?:세요|셔|십|시[고면니]|세용)")


def _is_honorific_verb(name: str, rest_of_word: str) -> bool:
    """True when the "name" is a verb stem in 하 followed by an honorific ending."""
    return name.endswith("하") and bool(_HONORIFIC_VERB_ENDING.match(rest_of_word))


# "이름은 김 영 희요": after a name cue, a name given only syllable by syllable.
# "성함은 박 순 례 요": the ending said apart after the last letter.
_SPACED_ENDING = re.compile(
    r"\s+(?:이요|요|입니다|이에요|예요|이고요|고요|이여|여|이라예|라예|이에여|이유|이우다|이랑께)"
    r"\s*[.!?~]*\s*$"
)
_SPELLED_ONLY = re.compile(
    r"(?<![가-힣])(?P<letters>[가-힣](?:[\s,.~\-]+[가-힣]){1,3})"
    r"(?:이요|요|입니다|이에요|예요|이고요|고요)?\s*[.!?~]*\s*$"
)


def _spelled_only_name(text: str) -> tuple[int, int, str] | None:
    """(start, end, name) of a name spelled out after a name cue and never said whole."""
    # "성함은 박 순 례 요", "성함이 최 말 순 이요": the ending said apart is no letter, so the
    # reading without it comes first.
    spaced_ending = _SPACED_ENDING.search(text)
    found = None
    if spaced_ending is not None:
        match = _SPELLED_ONLY.search(text[: spaced_ending.start()])
        found = _spelled_reading(text, match, ending_apart=True)
    if found is None:
        found = _spelled_reading(text, _SPELLED_ONLY.search(text), ending_apart=False)
    return found


_HESITATIONS = frozenset("음어그아저네")


def _spelled_reading(
    text: str, match: re.Match[str] | None, *, ending_apart: bool
) -> tuple[int, int, str] | None:
    if match is None:
        return None
    end = match.end("letters")
    letters = [m for m in re.finditer(r"[가-힣]", text[:end]) if m.start() >= match.start()]
    # "이름은 음 박 서 연이에요", "성함은 어 그 김 철": a hesitation before the letters is not part
    # of the name, and "어" is also a surname; the usual lengths win over a four-syllable reading.
    readings: list[tuple[int, int, str]] = []
    for first in range(len(letters) - _MIN_NAME + 1):
        start = letters[first].start()
        name = "".join(m.group() for m in letters[first:])
        cue = _NAME_CUE.search(_FILLERS_AFTER_CUE.sub("", text[:start]))
        if ending_apart and name[0] in _HESITATIONS:
            continue  # "이름이 어 이 거 요": a hesitation, then a word said letter by letter
        if cue and is_plausible_name(name, cued=True):
            usual = len(name) == _USUAL_NAME or name[:2] in COMPOUND_SURNAMES
            rank = 0 if usual else 1 if len(name) == _MIN_NAME else 2
            readings.append((rank, first, name))
    if not readings:
        return None
    _, first, name = min(readings)
    return letters[first].start(), end, name


_FILLERS_AFTER_CUE = re.compile(r"(?:[\s,.~]*(?:음|어|그|아|저|네))+[\s,.~]*$")


_LETTER_GAP = re.compile(r"[\s,.~\-]*")


def _spelled_out_name(text: str, words: list[tuple[int, int, str]], index: int) -> str | None:
    """The name a resident spells syllable by syllable, then says whole: "정 민 호 정민호입니다".

    The spelled syllables must end with exactly the name's syllables, so a stray "어" before them
    ("이름이 어 양 미 숙 양미숙이요") does no harm, and a name nobody spelled is left to the cues.
    """
    letters: list[str] = []
    i = index - 1
    while i >= 0 and len(words[i][2]) == 1:
        if not _LETTER_GAP.fullmatch(text, words[i][1], words[i + 1][0]):
            break
        letters.append(words[i][2])
        i -= 1
    spelled = "".join(reversed(letters))
    if len(spelled) < _MIN_NAME:
        return None
    name = split_name(words[index][2], cued=True)
    return name if name is not None and spelled.endswith(name) else None


_DIGIT_BEFORE = re.compile(r"[0-9]\s*$")


def reads_as_common_word(word: str, name: str) -> bool:
    """True when the "name" in `word` is a dictionary word, maybe before a copula.

    "저는 유공자인데요", "제가 장남인데요", "최대한요" name a status or say how; "원본이요" and
    "조카예요" are a two-syllable noun and a copula that a three-syllable reading would take for
    a name ending in 이 or 예. Only for names without an explicit name cue ("이름은 …").
    """
    if is_dictionary_word(name):
        return True
    stem, rest = name[:_MIN_NAME], word[_MIN_NAME:]
    if len(name) != _USUAL_NAME or not is_dictionary_word(stem):
        return False
    # "조금만요", "여러통이요", "구체적으로요": a word and a particle or counter glued to it.
    return rest in ENDINGS or name[-1] in _PARTICLE_OR_COUNTER_SYLLABLES


_PARTICLE_OR_COUNTER_SYLLABLES = frozenset("만적통쯤씩째살간가도와과랑")


def _name_in_context(
    text: str, start: int, end: int, word: str, following: str, *, is_first: bool
) -> str | None:
    """The name `word` gives in its context; a dictionary word counts only after a name cue."""
    name = _cued_or_guessed_name(text, start, end, word, following, is_first=is_first)
    if name is None:
        return None
    if _DIGIT_BEFORE.search(text[:start]) and word.startswith(COPULA_STARTS):
        return None  # "010-1234-5678 이구만": the number's own ending, typed apart
    named = _NAME_CUE.search(text[max(0, start - _CUE_WINDOW) : start]) or _is_called(
        word, following
    )
    return None if not named and reads_as_common_word(word, name) else name


def _is_called(word: str, following: str) -> bool:
    """True when the word is said to be a name: "김영희라고 합니다", "선우진이라는 이름이에요"."""
    return bool(
        (word.endswith(("라고", "이라고")) and _SAYS_CALLED.match(following))
        or (word.endswith(("라는", "이라는")) and _NAMED_AS.match(following))
    )


def _cued_or_guessed_name(
    text: str, start: int, end: int, word: str, following: str, *, is_first: bool
) -> str | None:
    before = text[max(0, start - _CUE_WINDOW) : start]  # cues sit right before the name
    called = (word.endswith(("라고", "이라고")) and _SAYS_CALLED.match(following)) or (
        word.endswith(("라는", "이라는")) and _NAMED_AS.match(following)
    )
    bare_answer = not following or _COPULA_WORDS.match(following) or following[0] in ",.!~/;"
    if _NAME_CUE.search(before):
        return split_name(word, cued=True)
    if _SELF_CUE.search(before):
        name = split_name(word, cued=True)
        if name is not None and (name != word or bare_answer):
            return name
        return None
    if called:
        return split_name(word, cued=True)
    if word.endswith("로") and _MADE_OUT_TO.match(following):
        # "그럼 김영희로 해 주세요": the name a request is made out to, anywhere in the message.
        name = split_name(word, cued=False)
        if name is not None and name != word:
            return name
    if is_first:
        name = split_name(word, cued=False)
        if name is None:
            return None
        if word == name + "이" and following:
            return None  # "오말순이" alone is a name; "길고양이 밥" is a cat
        if name != word or bare_answer or _AFTER_BARE_NAME.match(following):
            return name
    if word.endswith(("씨", "님")) or following.startswith(("씨", "님")):
        return split_name(word, cued=False)
    number_next = bool(_NUMBER_AFTER.match(following))
    if _AFTER_ANSWER.search(before) and (
        word.endswith(_ANSWER_ENDINGS) or not following or number_next
    ):
        # "오십년 삼월 이일생 김영희요", "공일공 ... 오육칠팔 김영희": after another answer.
        if re.search(r"[0-9]\s*$", before) and word.startswith(COPULA_STARTS):
            return None  # "500302 이우다게": the number's own ending, typed apart
        name = split_name(word, cued=False)
        return name if name != word or not following or number_next else None
    return None


def parse_person_name(text: str) -> str | None:
    """Normalise a person_name span ("김영희요", "박서연이고요") to the name as written."""
    found = find_person_names(text)
    if found:
        return found[0][2]
    words = _words(text)
    return split_name(words[0][2], cued=True) if len(words) == 1 else None
