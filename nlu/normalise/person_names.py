"""Korean personal names as written ("제 이름은 김영희입니다" -> "김영희").

A word is a name only in a name context: after "이름은", "성함은", "저는", "제가", "저 ...인데요",
before "라고 합니다", or as the first word of a short answer ("김영희요", "김영희고요 50년...").
It starts with a common surname, has 2-4 syllables (3 without an explicit name cue, since
most two-syllable words that start with a surname syllable are ordinary nouns: "정말", "오늘",
"배달"), and loses its particles and copulas ("이에요", "입니다", "이고요").
"""

from __future__ import annotations

import re

from nlu.normalise.documents import find_documents
from nlu.normalise.dongs import find_dongs
from nlu.normalise.spoken_digits import count_number, spoken_digits

SURNAMES = frozenset(
    "김 이 박 최 정 강 조 윤 장 임 한 오 서 신 권 황 안 송 류 유 전 홍 고 문 양 손 배 백 허 남 심 "
    "노 하 곽 성 차 주 우 구 민 진 나 지 엄 채 원 천 방 공 현 함 변 염 여 추 도 석 선 설 마 길 연 "
    "위 표 명 기 반 왕 금 옥 육 인 맹 제 모 탁 국 어 은 편 용 라 봉 태 경 변 소 엄".split()
)
COMPOUND_SURNAMES = frozenset({"남궁", "황보", "제갈", "선우", "독고", "사공", "서문", "동방"})

# Particles and copulas that follow a name in the same word, longest first.
_ENDINGS: tuple[str, ...] = tuple(
    sorted(
        {
            "이라고합니다", "라고합니다", "이라고해요", "라고해요", "이라고요", "라고요", "이라고",
            "라고", "이라구요", "라구요", "입니다", "이에요", "이예요", "예요", "에요", "이고요",
            "이구요", "고요", "구요", "이고", "인데요", "인데", "이요", "요", "이야", "야",
            "이다", "임", "씨", "님", "씨요", "님이요", "이거든요", "거든요", "이랍니다",
            "랍니다", "이세요", "세요",
        },
        key=len,
        reverse=True,
    )
)
# A bare name followed by one of these words is still a name answer ("김영희 입니다").
_COPULA_WORDS = re.compile(
    r"^(?:입니다|이에요|예요|이예요|이고요|고요|인데요|이요|요|이라고|라고|씨|님)(?![가-힣])"
)
_NAME_CUE = re.compile(r"(?:이름|성함|성명|신청자|신청인|본인)\s*(?:은|는|이|가|:|이요)?\s*$")
_SELF_CUE = re.compile(r"(?:^|[\s,.])(?:저는|전|저|제가|나는|난)\s*$")
_SAYS_CALLED = re.compile(r"^\s*(?:합니다|해요|하는데요|하고요|하구요|합니당|하옵니다)")
_FILLERS = re.compile(r"^(?:\s*(?:네|예|아|음|어|저기요|여보세요)[\s,.]+)+")
# Syllables that end sentences or mark grammar; a name does not contain them.
_NON_NAME_SYLLABLES = frozenset("요습까께했겠었았죠데돼되줘봐는을를의에냐뭐왜걸랑됩합해")
# Words that begin with a surname syllable but are not names (first two syllables).
_NOT_NAME_PREFIXES = frozenset(
    """
    안녕 감사 고마 고맙 수고 정말 진짜 이거 이건 이게 이번 이름 이메 이미 이상 이사 이용 이제
    지금 지난 주민 주소 주말 주세 주문 신청 신분 신고 신당 조회 취소 전화 전부 전자 전입 문의
    문자 상담 인감 인증 인터 기본 제적 토지 건축 지방 서류 배달 배송 방문 방법 방금 민원 무인
    마감 오늘 오전 오후 오십 하나 한번 한통 한부 한장 도와 도움 도장 연결 연락 모르 모바 우리
    우편 우체 원래 변경 남편 손자 손녀 어머 어떻 어디 언제 얼마 여기 여보 거기 저기 본인 대리
    위임 생년 구청 동사 명동 황학 장애 임산 노인 하루 현금 국민 국가 공짜 공일 공휴 성함 성명
    정부 정보 전에 진행 차량 확인 발급 가족 혼인 입양 납세 소득 소공 회현 필동 장충 광희 을지
    다산 약수 청구 동화 중림 유치 육아 양식 서명 서식 한국 한글 한두 두통 세통 주차 주간 심부
    나중 내일 모레 어제 그냥 그럼 그거 금방 금액 기다 기간 기존 남은 노약 반송 반납 편지 표준
    용지 용도 명의 명함 허가 허락 공문 공공 공인 양도 선택 설명 마을 마음 마지 길게 석장 송금
    채권 추심 대량 백통 천천 경우 경로 태어 봉투 소개 소리 설치 진짜 은행 어르 주인 유효 연세
    """.split()
)
_MIN_NAME, _USUAL_NAME, _MAX_NAME = 2, 3, 4
# A name may also follow another answer in the same message: after a birth date ("...생"), a
# number, or a clause closed by "요" / "고" / a comma.
_AFTER_ANSWER = re.compile(r"(?:생|\d|요|고|,)\s*$")
_ANSWER_ENDINGS = ("이고요", "고요", "이구요", "구요", "인데요", "입니다", "이에요", "예요", "이요", "요")


def _is_hangul_word(word: str) -> bool:
    return bool(word) and all("\uac00" <= c <= "\ud7a3" for c in word)


def is_plausible_name(name: str, *, cued: bool) -> bool:
    """True when `name` looks like a Korean full name (surname first, 2-4 syllables)."""
    if not _is_hangul_word(name) or not _MIN_NAME <= len(name) <= _MAX_NAME:
        return False
    compound = name[:2] in COMPOUND_SURNAMES
    if not compound and name[0] not in SURNAMES:
        return False
    if not cued and len(name) < (_MAX_NAME if compound else _USUAL_NAME):
        return False
    if compound and len(name) < _USUAL_NAME:
        return False
    if name[:2] in _NOT_NAME_PREFIXES or any(c in _NON_NAME_SYLLABLES for c in name[1:]):
        return False
    if spoken_digits(name) is not None or count_number(name) is not None:
        return False
    return not find_documents(name) and not find_dongs(name)


def split_name(word: str, *, cued: bool) -> str | None:
    """The name at the start of `word` once its particle or copula is dropped, or None."""
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
    usual = [r for r in readings if len(r) == (_MAX_NAME if r[:2] in COMPOUND_SURNAMES else 3)]
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
        following = text[end:].lstrip()
        name = _name_in_context(text, start, end, word, following, is_first=index == first_index)
        if name is not None and not any(s < start + len(name) and start < e for s, e, _ in found):
            found.append((start, start + len(name), name))
    return found


def _name_in_context(
    text: str, start: int, end: int, word: str, following: str, *, is_first: bool
) -> str | None:
    before = text[:start]
    called = word.endswith(("라고", "이라고")) and _SAYS_CALLED.match(following)
    bare_answer = not following or _COPULA_WORDS.match(following) or following[0] in ",.!~"
    if _NAME_CUE.search(before):
        return split_name(word, cued=True)
    if _SELF_CUE.search(before):
        name = split_name(word, cued=True)
        if name is not None and (name != word or bare_answer):
            return name
        return None
    if called:
        return split_name(word, cued=True)
    if is_first:
        name = split_name(word, cued=False)
        if name is None:
            return None
        if name != word or bare_answer or following[:1].isdigit():
            return name
    if word.endswith(("씨", "님")) or following.startswith(("씨", "님")):
        return split_name(word, cued=False)
    if _AFTER_ANSWER.search(before) and word.endswith(_ANSWER_ENDINGS):
        # "오십년 삼월 이일생 김영희요": the name comes after another answer.
        name = split_name(word, cued=False)
        return name if name != word else None
    return None


def parse_person_name(text: str) -> str | None:
    """Normalise a person_name span ("김영희요", "박서연이고요") to the name as written."""
    found = find_person_names(text)
    if found:
        return found[0][2]
    words = _words(text)
    return split_name(words[0][2], cued=True) if len(words) == 1 else None
