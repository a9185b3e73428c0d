from datetime import date

import pytest

from nlu.normalise.extract import extract_entities
from nlu.normalise.person_names import find_person_names, parse_person_name


@pytest.mark.parametrize(
    ("text", "name"),
    [
        # nlu-contract.md rows
        ("김영희요", "김영희"),
        ("제 이름은 김영희입니다", "김영희"),
        # more forms
        ("김영희라고 합니다", "김영희"),
        ("김영희라고 해요", "김영희"),
        ("저는 정순자라고 해요", "정순자"),
        ("최동훈이라고 합니다", "최동훈"),
        ("이름은 박서연이고요", "박서연"),
        ("이름이 박서연이에요", "박서연"),
        ("성함은 이민준", "이민준"),
        ("제 성함은 정순자예요", "정순자"),
        ("저 최동훈인데요", "최동훈"),
        ("제가 김영희인데요", "김영희"),
        ("저는 이민준입니다", "이민준"),
        ("전 박서연이요", "박서연"),
        ("김영희고요 50년 3월 2일생이에요", "김영희"),
        ("정순자요 41년 9월 9일생", "정순자"),
        ("네 김영희요", "김영희"),
        ("여보세요 김영희인데요", "김영희"),
        ("이민준이요", "이민준"),
        ("박서연이에요", "박서연"),
        ("최동훈입니다", "최동훈"),
        ("김영희", "김영희"),
        ("김영희 입니다", "김영희"),
        ("김영희, 010-1234-5678", "김영희"),
        ("남궁민수예요", "남궁민수"),
        ("황보영희요", "황보영희"),
        ("어머니 정순자 씨 대신 왔어요", "정순자"),
        ("오십년 삼월 이일생 김영희요", "김영희"),
        ("이름은 김철입니다", "김철"),
        ("김순이요", "김순이"),
        ("유재석이요", "유재석"),
        ("류현진입니다", "류현진"),
        ("신청자 이름은 한지민입니다", "한지민"),
        # dialect, typos and colloquial endings
        ("송하늘이에여", "송하늘"),
        ("내가 곽복례라예", "곽복례"),
        ("서재원이랑께", "서재원"),
        ("우리 영감 이름은 노승철이오", "노승철"),
        ("황금순이여", "황금순"),
        ("송재혁이유", "송재혁"),
        ("아니 이름이 정하은이라니까요", "정하은"),
        ("오말순이", "오말순"),
        ("이상철입니다", "이상철"),
        ("제갈현우요", "제갈현우"),
        ("선우진이라는 이름이에요", "선우진"),
        ("고은비 맞아요", "고은비"),
        ("홍길순 할머니 이름으로 해 주세요", "홍길순"),
        ("받는 사람은 변상훈이에요", "변상훈"),
        ("한순자 천구백삼십팔년 칠월 칠일생이요", "한순자"),
        ("김지유요", "김지유"),
        ("이름이요? 김영희요", "김영희"),
        ("네네 김영희요", "김영희"),
        ("아이고 정순자여", "정순자"),
        ("그 저 김영희인데요", "김영희"),
        ("저희 어머니 성함은 정순자세요", "정순자"),
        ("음 음 박서연이요", "박서연"),
        ("공일공 일이삼사 오육칠팔 김영희", "김영희"),
        ("010-1234-5678 김영희예요", "김영희"),
        ("제 어머니가 정순자인데 대신 떼려고요", "정순자"),
        ("아들이 이민준이고요", "이민준"),
        ("김영희라요", "김영희"),
        ("박서연임다", "박서연"),
        ("이민준이에용", "이민준"),
        ("나 김영희", "김영희"),
        ("ㅇㅇ 김영희", "김영희"),
    ],
)
def test_names_are_taken_as_written_without_their_endings(text: str, name: str) -> None:
    assert parse_person_name(text) == name


@pytest.mark.parametrize(
    "text",
    [
        "안녕하세요",
        "정말요",
        "배달이요",
        "고마워요",
        "신청할게요",
        "명동이요",
        "신당동이요",
        "저는 신당동에 살아요",
        "저는 정말 몰라요",
        "한통이요",
        "장애인이에요",
        "임산부예요",
        "오늘요",
        "전화번호요",
        "이번에 등본 떼려고요",
        "조회해 주세요",
        "주민센터요",
        "인터넷이요",
        "하나요",
        "공일공이요",
        "우체국이요",
        "모바일로요",
        "현금이요",
        "상담원 연결해 주세요",
        "저는 등본이 필요해요",
        "제가 신청했는데요",
        "이거 취소할게요",
        "인감이요",
        "지금요",
        "전부요",
        "신분증이요",
        "도장이요",
        "방문이요",
        "주소요",
        "오십 건이요",
        "방가방가",
        "반가워요",
        "안녕하세요 선생님",
        "주무관님 연결해 주세요",
        "배달 기사님 출발하셨나요",
        "정정할게요 다섯 통이요",
        "노노노",
        "오케이",
        "배고파",
        "정전됐어요",
        "음식점 영업신고 하려고요",
        "변호사 사무실인데 초본 열다섯 건",
        "길고양이 밥 주는 거 민원 넣을래요",
        "2천원이에요?",
        "어머니가 등본이 필요해서요",
        "남편이 신당동에 살아요",
        "남편이 정말 바빠서요",
        "엄마가 오늘 못 와요",
        "여권 유효기간이 지났어요",
    ],
)
def test_ordinary_words_starting_with_a_surname_syllable_are_not_names(text: str) -> None:
    assert find_person_names(text) == []


def test_a_name_in_a_sentence_keeps_its_span() -> None:
    text = "네 제 이름은 박서연이고요 생년월일은 941130이에요"
    ((start, end, name),) = find_person_names(text)
    assert (text[start:end], name) == ("박서연", "박서연")


@pytest.mark.parametrize(
    ("text", "name"),
    [
        # the name a request is made out to
        ("김영희로 해 주세요", "김영희"),
        ("박서연으로 해 주세요", "박서연"),
        ("최동훈으로요", "최동훈"),
        ("네 그럼 김영희로 해 주세요", "김영희"),
        ("그러면 받는 건 박서연으로 해 주세요", "박서연"),
        ("명의는 한지민으로 할게요", "한지민"),
        ("김영희 씨로 해 주세요", "김영희"),
        ("김영희씨로 해 주세요", "김영희"),
        ("받는 분은 한지민 씨로요", "한지민"),
        # dialects
        ("고순덕이우다", "고순덕"),
        ("제 이름은 강봉수이우다", "강봉수"),
        ("등본 떼러 왔는데 정순자라예", "정순자"),
        ("어무이 서류 떼러 왔는데 곽복례이유", "곽복례"),
        # after a phone number in the same message
        ("연락처는 010-1234-5678 이고 이름은 양미숙이요", "양미숙"),
        ("연락처는 010-1234-5678이고 이름은 김영희이요", "김영희"),
        ("공일공 일이삼사 오육칠팔이고요 이름은 박서연이요", "박서연"),
        # spelled syllable by syllable, then whole
        ("이름이 어 양 미 숙 양미숙이요", "양미숙"),
        ("정 민 호 정민호입니다", "정민호"),
        ("남 궁 민 수 남궁민수요", "남궁민수"),
        ("제 이름은 김, 영, 희 김영희예요", "김영희"),
        # a relative named before the request
        ("어머니 정순자 씨로 해 주세요", "정순자"),
        ("아버지 김철수 씨 등본이요", "김철수"),
        ("할머니 오말순 님 앞으로요", "오말순"),
    ],
)
def test_names_with_more_particles_dialects_and_spelling_are_found(text: str, name: str) -> None:
    assert parse_person_name(text) == name


@pytest.mark.parametrize(
    "text",
    [
        "생년월일은 500302 임니다",
        "500302 이우다",
        "오십년 삼월 이일생 이라예",
        "500302 이우다게",
        "41년 9월 9일생 이구먼",
        "임니다",
        "이우다",
        "모바일로 해 주세요",
        "배달로 해 주세요",
        "등본으로 해 주세요",
        "신당동으로 보내 주세요",
        "정 말 요",
        "반명함으로 해 주세요",
        "그럼 정말로 해 주세요",
        "배달 서비스로 신청할게요",
        "신청은 인터넷으로 할게요",
        "반갑네요",
        "끊을게요 고생하세요",
        "하모예",
    ],
)
def test_copulas_after_numbers_and_requests_by_other_things_are_not_names(text: str) -> None:
    assert find_person_names(text) == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("김지훈 말고 김지운이요", "김지운"),
        ("이름은 김지훈 아니고 김지운이요", "김지운"),
        ("박서연 아니라 박서윤입니다", "박서윤"),
    ],
)
def test_a_corrected_name_gives_only_the_new_name(text: str, name: str) -> None:
    spans = extract_entities(text, date(2026, 11, 25))
    assert [s.value for s in spans if s.entity == "person_name"] == [name]


@pytest.mark.parametrize(
    ("text", "letters", "name"),
    [
        ("이름은 김 영 희요", "김 영 희", "김영희"),
        ("제 이름은 음 박 서 연이에요", "박 서 연", "박서연"),
        ("성함이 양 미 숙", "양 미 숙", "양미숙"),
        ("성함은 어 그 김 철", "김 철", "김철"),
        ("성함은 어 양 미 숙", "양 미 숙", "양미숙"),
        ("이름은 이 민 준이요", "이 민 준", "이민준"),
        ("이름은 남 궁 민 수요", "남 궁 민 수", "남궁민수"),
    ],
)
def test_a_name_only_spelled_out_after_a_name_cue_is_joined(
    text: str, letters: str, name: str
) -> None:
    ((start, end, found),) = find_person_names(text)
    assert (text[start:end], found) == (letters, name)


@pytest.mark.parametrize(
    "text", ["이 거 요", "이름이 어 이 거 요", "이름은 정 말 요", "저 그 등 본 요"]
)
def test_single_syllables_that_spell_no_name_are_not_names(text: str) -> None:
    assert find_person_names(text) == []


@pytest.mark.parametrize("text", ["안냥하세요", "안녀하세요 처음이에요", "방가하세용"])
def test_a_greeting_with_a_typo_is_not_a_name(text: str) -> None:
    from datetime import date

    from nlu.normalise.extract import extract_entities

    names = [e for e in extract_entities(text, date(2026, 11, 25)) if e.entity == "person_name"]
    assert names == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        # Gyeongsang / Jeolla "지는" / "지가" for 저는 / 제가
        ("지는 배춘자라예 사십칠년 시월 삼일생이고예", "배춘자"),
        ("지가 문복례랑께", "문복례"),
        # the person a business or an account is in the name of
        ("대표자는 유상철이고요", "유상철"),
        ("법인 사업자번호 120-88-01947 입니다 대표자는 유상철이고요", "유상철"),
        ("담당자는 오현수입니다", "오현수"),
        ("예금주는 김영희예요", "김영희"),
        # a given name ending in 을, after a cue
        ("이름은 홍가을이요", "홍가을"),
        ("연락처는 010-9026-1173이고 이름은 홍가을이요", "홍가을"),
        ("제 이름은 김하을입니다", "김하을"),
    ],
)
def test_dialect_self_cues_role_cues_and_cued_names_in_eul(text: str, name: str) -> None:
    assert parse_person_name(text) == name


@pytest.mark.parametrize(
    "text",
    [
        "지는 잘 모르겠어요",
        "지가 그 서류를 떼야 하는데",
        "저는 정을 많이 받았어요",
        "서류를 홍가을",
    ],
)
def test_the_new_cues_do_not_make_ordinary_words_names(text: str) -> None:
    assert parse_person_name(text) is None
