import random
from datetime import date

import pytest

from nlu.normalise.extract import ENTITIES, extract_entities, normalise

TODAY = date(2026, 11, 25)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("등본 한 통 떼 주세요", [("document", "등본", "resident_copy"), ("copies", "한 통", "1")]),
        (
            "가족관계증명서 발급하고 싶어요",
            [("document", "가족관계증명서", "family_relation")],
        ),
        (
            "등본을 집으로 배달해 주세요 신당동이에요",
            [
                ("document", "등본", "resident_copy"),
                ("method", "집으로 배달", "delivery"),
                ("dong", "신당동", "신당동"),
            ],
        ),
        (
            "채권 추심 때문에 초본 50건 발급하려고요",
            [("document", "초본", "resident_abstract"), ("copies", "50건", "50")],
        ),
        (
            "사업자번호 123-45-67890이고 초본 오십 건이요",
            [
                ("business_number", "123-45-67890", "1234567890"),
                ("document", "초본", "resident_abstract"),
                ("copies", "오십 건", "50"),
            ],
        ),
        ("신청번호 20481937 조회해 주세요", [("order_id", "20481937", "20481937")]),
        ("이공사팔에 일구삼칠 취소해 주세요", [("order_id", "이공사팔에 일구삼칠", "20481937")]),
        ("2048-1937 어떻게 됐어요?", [("order_id", "2048-1937", "20481937")]),
        (
            "명동 근처 발급기 어디 있어요?",
            [("dong", "명동", "명동"), ("method", "발급기", "kiosk")],
        ),
        ("신당 5동 주민센터 몇 시까지 해요", [("dong", "신당 5동", "신당5동")]),
        ("김영희요", [("person_name", "김영희", "김영희")]),
        ("제 이름은 김영희입니다", [("person_name", "김영희", "김영희")]),
        ("1950년 3월 2일생이에요", [("birth_date", "1950년 3월 2일", "1950-03-02")]),
        ("오십년 삼월 이일", [("birth_date", "오십년 삼월 이일", "1950-03-02")]),
        ("500302", [("birth_date", "500302", "1950-03-02")]),
        ("생년월일은 19500302입니다", [("birth_date", "19500302", "1950-03-02")]),
        ("19500302생이에요", [("birth_date", "19500302", "1950-03-02")]),
        ("공일공 일이삼사 오육칠팔", [("phone_number", "공일공 일이삼사 오육칠팔", "01012345678")]),
        (
            "공일공에 일이삼사에 오육칠팔이에요",
            [("phone_number", "공일공에 일이삼사에 오육칠팔", "01012345678")],
        ),
        ("010-1234-5678", [("phone_number", "010-1234-5678", "01012345678")]),
        ("+82 10-1234-5678로 주세요", [("phone_number", "+82 10-1234-5678", "01012345678")]),
        ("02-123-4567로 전화 주세요", [("phone_number", "02-123-4567", "021234567")]),
        ("123456", [("otp_code", "123456", "123456")]),
        ("일이삼 사오육", [("otp_code", "일이삼 사오육", "123456")]),
        ("1 2 3 4 5 6", [("otp_code", "1 2 3 4 5 6", "123456")]),
        ("인증번호는 482913이에요", [("otp_code", "482913", "482913")]),
        ("문자로 온 거 500302요", [("otp_code", "500302", "500302")]),
        ("인증번호 사팔이 구일삼이요", [("otp_code", "사팔이 구일삼", "482913")]),
        (
            "김영희고요 50년 3월 2일생이에요",
            [
                ("person_name", "김영희", "김영희"),
                ("birth_date", "50년 3월 2일", "1950-03-02"),
            ],
        ),
        (
            "제 이름은 김영희고요 생년월일은 500302이고 전화번호는 010-1234-5678이에요",
            [
                ("person_name", "김영희", "김영희"),
                ("birth_date", "500302", "1950-03-02"),
                ("phone_number", "010-1234-5678", "01012345678"),
            ],
        ),
        (
            "박서연이요 구십사년 십일월 삼십일 공일공 삼사오육 칠팔구공",
            [
                ("person_name", "박서연", "박서연"),
                ("birth_date", "구십사년 십일월 삼십일", "1994-11-30"),
                ("phone_number", "공일공 삼사오육 칠팔구공", "01034567890"),
            ],
        ),
        (
            "등·초본 한 통씩 주세요",
            [
                ("document", "등", "resident_copy"),
                ("document", "초본", "resident_abstract"),
                ("copies", "한 통", "1"),
            ],
        ),
        (
            "제적등본 두 장이랑 인감증명서 한 통",
            [
                ("document", "제적등본", "removed_register"),
                ("copies", "두 장", "2"),
                ("document", "인감증명서", "seal_certificate"),
                ("copies", "한 통", "1"),
            ],
        ),
        (
            "010-1234-5678 인증번호 123456",
            [
                ("phone_number", "010-1234-5678", "01012345678"),
                ("otp_code", "123456", "123456"),
            ],
        ),
        (
            "다리가 불편해서 그러는데 주민등록 등본 좀 갖다 주실 수 있어요? 황학동 살아요",
            [
                ("document", "주민등록 등본", "resident_copy"),
                ("method", "갖다 주", "delivery"),
                ("dong", "황학동", "황학동"),
            ],
        ),
        (
            "초본 스무 장 을지로 쪽에서 받을게요",
            [
                ("document", "초본", "resident_abstract"),
                ("copies", "스무 장", "20"),
                ("dong", "을지로", "을지로동"),
            ],
        ),
        (
            "등본두통이요",
            [("document", "등본", "resident_copy"), ("copies", "두통", "2")],
        ),
        (
            "가족 관계 증명서 두 부",
            [
                ("document", "가족 관계 증명서", "family_relation"),
                ("copies", "두 부", "2"),
            ],
        ),
        (
            "건축물대장 하나 떼 주세요",
            [
                ("document", "건축물대장", "building_ledger"),
                ("copies", "하나", "1"),
            ],
        ),
        (
            "등본 하나랑 초본 둘",
            [
                ("document", "등본", "resident_copy"),
                ("copies", "하나", "1"),
                ("document", "초본", "resident_abstract"),
                ("copies", "둘", "2"),
            ],
        ),
        ("등본 열람 가능해요?", [("document", "등본", "resident_copy")]),
        (
            "1941년 9월 9일 정순자요",
            [
                ("birth_date", "1941년 9월 9일", "1941-09-09"),
                ("person_name", "정순자", "정순자"),
            ],
        ),
        ("팔팔 공오 공오요", [("birth_date", "팔팔 공오 공오", "1988-05-05")]),
        ("주민번호 앞자리는 850302예요", [("birth_date", "850302", "1985-03-02")]),
        ("제 생일이 881225예요", [("birth_date", "881225", "1988-12-25")]),
        (
            "이름은 김영희 생년월일은 오공 공삼 공이",
            [
                ("person_name", "김영희", "김영희"),
                ("birth_date", "오공 공삼 공이", "1950-03-02"),
            ],
        ),
        ("2024년 3월 2일에 신청했는데 취소해 주세요", []),  # an event date, not a birthday
        ("2천원이에요?", []),
        (
            "이사 와서 전입신고 했는데 등본에 언제 반영돼요?",
            [("document", "등본", "resident_copy")],
        ),
        ("일이 있어서 못 가는데 대신 가도 돼요?", []),
        ("삼일 전에 신청했는데 아직이에요", []),
        ("이삼일 걸린다고 했어요", []),
        ("칠십오세 어르신도 배달 돼요?", [("method", "배달", "delivery")]),
        ("일일이 다 떼야 해요?", []),
        ("공사 중이라 주민센터 문 닫았어요?", []),
        ("이 번호로 연락 주세요", []),
        ("구월 구일에 신청했어요", []),
        ("오늘 오후 다섯 시까지 해요?", []),
        ("생일 040611", [("birth_date", "040611", "2004-06-11")]),
        ("020704요", [("birth_date", "020704", "2002-07-04")]),
        (
            "전화번호 틀렸어요 010-4415-2280이 맞아요",
            [("phone_number", "010-4415-2280", "01044152280")],
        ),
        ("받은 번호가 사칠이 구팔일이에요", [("otp_code", "사칠이 구팔일", "472981")]),
        (
            "신청번호 구공일이 오오삼팔 조회해 주세요",
            [("order_id", "구공일이 오오삼팔", "90125538")],
        ),
        ("초본하나떼주세요", [("document", "초본", "resident_abstract"), ("copies", "하나", "1")]),
        ("전화번호 10 1234 5678", [("phone_number", "10 1234 5678", "01012345678")]),
        ("사업자번호 1012345678", [("business_number", "1012345678", "1012345678")]),
        ("오늘 날씨 어때?", []),
        ("주차 딱지 이의신청 하려고요", []),
        ("안녕하세요", []),
        ("네 맞아요", []),
        ("이건 얼마예요?", []),
        ("수수료 1,000원이에요?", []),
        ("주민번호 850302-1234567이요", []),  # never an entity: the PII guard masks it
        ("주민센터 2층이에요?", []),
    ],
)
def test_entities_in_whole_sentences_have_contract_values_and_exact_spans(
    text: str, expected: list[tuple[str, str, str]]
) -> None:
    spans = extract_entities(text, TODAY)
    assert all(text[s.start : s.end] == s.text for s in spans)
    assert [(s.entity, s.text, s.value) for s in spans] == expected


def test_offsets_point_into_the_original_text() -> None:
    text = "네, 공일공 일이삼사 오육칠팔이요"
    (span,) = extract_entities(text, TODAY)
    assert (span.start, span.end) == (3, 16)


@pytest.mark.parametrize(
    ("digits_text", "entity", "value"),
    [
        ("01012345678", "phone_number", "01012345678"),
        ("0212345678", "phone_number", "0212345678"),
        ("1234567890", "business_number", "1234567890"),
        ("20481937", "order_id", "20481937"),
        ("19500302", "order_id", "19500302"),  # a date, but nothing says it is a birth date
        ("500302", "birth_date", "1950-03-02"),  # the keypad form of a birth date
        ("991332", "otp_code", "991332"),  # not a date
    ],
)
def test_bare_digits_are_judged_by_length(digits_text: str, entity: str, value: str) -> None:
    (span,) = extract_entities(digits_text, TODAY)
    assert (span.entity, span.value) == (entity, value)


@pytest.mark.parametrize(
    ("entity", "raw", "value"),
    [
        ("document", "주민 등록 등본", "resident_copy"),
        ("document", "제적부", "removed_register"),
        ("copies", "두", "2"),
        ("copies", "두 통", "2"),
        ("copies", "오십", "50"),
        ("dong", "신당 5동", "신당5동"),
        ("dong", "신당", "신당동"),
        ("order_id", "이공사팔 일구삼칠", "20481937"),
        ("phone_number", "공일공 일이삼사 오육칠팔", "01012345678"),
        ("birth_date", "오십년 삼월 이일", "1950-03-02"),
        ("birth_date", "19500302", "1950-03-02"),
        ("otp_code", "일이삼 사오육", "123456"),
        ("person_name", "김영희요", "김영희"),
        ("person_name", "박서연", "박서연"),
        ("business_number", "123-45-67890", "1234567890"),
    ],
)
def test_spans_from_another_extractor_normalise_to_contract_values(
    entity: str, raw: str, value: str
) -> None:
    assert normalise(entity, raw, TODAY) == value


def test_every_contract_entity_has_a_normaliser() -> None:
    assert len(ENTITIES) == 10
    assert all(normalise(entity, "", TODAY) is None for entity in ENTITIES)


def test_an_unknown_entity_or_an_unreadable_span_gives_none() -> None:
    assert normalise("colour", "빨강", TODAY) is None
    assert normalise("phone_number", "전화요", TODAY) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("두 통 말고 세 통으로 해 주세요", [("copies", "세 통", "3")]),
        ("두 통, 아니 세 통", [("copies", "세 통", "3")]),
        ("두 통에서 세 통으로 바꿔 주세요", [("copies", "세 통", "3")]),
        ("등본 말고 초본이요", [("document", "초본", "resident_abstract")]),
        ("신당동에서 명동으로 이사했어요", [("dong", "명동", "명동")]),
        (
            "010-1234-5678 아니고 010-1234-5679예요",
            [("phone_number", "010-1234-5679", "01012345679")],
        ),
    ],
)
def test_a_correction_keeps_only_the_new_value(
    text: str, expected: list[tuple[str, str, str]]
) -> None:
    assert [(s.entity, s.text, s.value) for s in extract_entities(text, TODAY)] == expected


def test_an_addition_is_not_a_correction() -> None:
    spans = extract_entities("등본 말고 초본도 필요해요", TODAY)
    assert [s.value for s in spans] == ["resident_copy", "resident_abstract"]


def test_two_documents_with_their_own_counts_stay_apart() -> None:
    spans = extract_entities("등본 두 통하고 초본 한 통", TODAY)
    assert [(s.entity, s.value) for s in spans] == [
        ("document", "resident_copy"),
        ("copies", "2"),
        ("document", "resident_abstract"),
        ("copies", "1"),
    ]


def test_spans_point_into_the_original_text_for_any_input() -> None:
    alphabet = list(
        "공영일이삼사오육십백천0123456789 -.,에다시통장부건년월생요이씨김박신당동명등본초인감"
    )
    rng = random.Random(7)
    for _ in range(400):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        for span in extract_entities(text, TODAY):
            assert text[span.start : span.end] == span.text
            assert span.entity in ENTITIES
            assert span.value
