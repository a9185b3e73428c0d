import itertools
import random

import pytest

from nlu.pii import (
    MASK_PATTERN,
    ends_with_rrn_front_half,
    find_masked_rrns,
    find_rrns,
    has_masked_rrn,
    has_rrn,
    mask_rrn,
    mask_rrn_back_halves,
    redact_for_logs,
)

RRN_FORMS = [
    # typed
    ("850302-1234567", "******-*******"),
    ("8503021234567", "*************"),
    ("850302 1234567", "****** *******"),
    ("850302 - 1234567", "****** - *******"),
    ("850302–1234567", "******–*******"),
    ("850302-2234567", "******-*******"),
    ("020101-3234567", "******-*******"),  # born in 2002
    ("020101-4234567", "******-*******"),
    ("850302-5234567", "******-*******"),  # a foreign resident
    ("850302-6234567", "******-*******"),
    ("000229-3123456", "******-*******"),  # a leap day
    ("991231-1234567", "******-*******"),
    ("주민번호는 850302-1234567이에요", "주민번호는 ******-*******이에요"),
    ("주민등록번호 8503021234567입니다", "주민등록번호 *************입니다"),
    ("제 주민번호 850302 1234567 맞아요", "제 주민번호 ****** ******* 맞아요"),
    ("주민번호850302-1234567", "주민번호******-*******"),
    ("850302-1234567 김영희", "******-******* 김영희"),
    ("850302 123 4567", "****** *** ****"),
    ("주민번호 8503 021 234567", "주민번호 **** *** ******"),  # odd grouping, but called an RRN
    ("주민번호 991332-1234567", "주민번호 ******-*******"),  # mistyped, still personal data
    # spoken (speech recogniser output)
    ("팔오공삼공이 일이삼사오육칠", "****** *******"),
    ("팔오공삼공이 다시 일이삼사오육칠", "****** 다시 *******"),
    ("팔오공삼공이에 일이삼사오육칠", "******에 *******"),
    ("팔오공삼공이에 일이삼사오육칠이에요", "******에 *******이에요"),
    ("팔오공삼공이의 일이삼사오육칠", "******의 *******"),
    ("팔오 공삼 공이 일이삼 사오육칠", "** ** ** *** ****"),
    ("팔 오 공 삼 공 이 일 이 삼 사 오 육 칠", "* * * * * * * * * * * * *"),
    ("팔오공삼공이일이삼사오육칠", "*************"),
    ("영이영일영일 삼이삼사오육칠", "****** *******"),
    ("주민번호는 팔오공삼공이 다시 이삼사오육칠팔이요", "주민번호는 ****** 다시 *******이요"),
    # mixed
    ("850302 일이삼사오육칠", "****** *******"),
    ("팔오공삼공이-1234567", "******-*******"),
    ("850302-일이삼사567", "******-*******"),
    ("850302_1234567", "******_*******"),
    ("850302ㅡ1234567", "******ㅡ*******"),  # the vowel key typed as a dash
    ("850302.1234567", "******.*******"),
    ("８５０３０２－１２３４５６７", "******－*******"),  # full-width, from some keyboards
    # two in one message
    ("850302-1234567 그리고 900715-2345678", "******-******* 그리고 ******-*******"),
]


@pytest.mark.parametrize(("text", "masked"), RRN_FORMS)
def test_every_rrn_form_is_masked_digit_by_digit(text: str, masked: str) -> None:
    assert mask_rrn(text) == masked


@pytest.mark.parametrize(("text", "masked"), RRN_FORMS)
def test_a_mask_keeps_the_length_so_offsets_stay_valid(text: str, masked: str) -> None:
    assert len(mask_rrn(text)) == len(text)
    del masked


@pytest.mark.parametrize(("text", "masked"), RRN_FORMS)
def test_a_masked_rrn_is_recognised_and_no_rrn_is_left(text: str, masked: str) -> None:
    result = mask_rrn(text)
    assert has_masked_rrn(result)
    assert not has_rrn(result)
    assert has_rrn(text)
    del masked


LOOK_ALIKES = [
    # phones
    "010-1234-5678",
    "01012345678",
    "010 1234 5678",
    "010.1234.5678",
    "+82 10-1234-5678",
    "02-123-4567",
    "031-123-4567",
    "공일공 일이삼사 오육칠팔",
    "공일공에 일이삼사에 오육칠팔이에요",
    "010-1234-5678 12통",
    "01012345678 12",
    "공일공 일이삼사 오육칠팔 일이",
    "전화번호 010-1234-5678 인증번호 123456",
    # dates
    "1950-03-02",
    "19500302",
    "500302",
    "1950년 3월 2일",
    "50.03.02",
    "오십년 삼월 이일",
    "오공공삼공이",
    "생년월일 500302 전화 01012345678",
    # order numbers
    "20481937",
    "2048-1937",
    "이공사팔 일구삼칠",
    "신청번호 20481937 하고 20481938",
    # business numbers
    "123-45-67890",
    "1234567890",
    "사업자번호 123-45-67890",
    "123-45-67890 987-65-43210",
    # codes
    "123456",
    "일이삼 사오육",
    "1 2 3 4 5 6",
    "인증번호는 482913이에요",
    # amounts and counts
    "1,000원",
    "1,234,567,890원",
    "수수료 1000원이고 2통이요",
    "초본 50건",
    "100통",
    # other numbers
    "991332-1234567",  # not a date, no word says it is an RRN
    "123456-1234567",
    "850302-123456",  # 12 digits
    "850302-12345678",  # 14 digits
    "12:30",
    "2층 3번 창구",
    "",
    "안녕하세요 등본 한 통 주세요",
]


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_numbers_that_only_look_like_an_rrn_are_left_untouched(text: str) -> None:
    assert mask_rrn(text) == text
    assert find_rrns(text) == []


def test_the_rrn_span_covers_only_the_number() -> None:
    text = "주민번호는 팔오공삼공이 다시 일이삼사오육칠이에요"
    assert find_rrns(text) == [(6, 23)]
    assert text[6:23] == "팔오공삼공이 다시 일이삼사오육칠"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("주민번호 뒷자리 1234567", "주민번호 뒷자리 *******"),
        ("주민번호 뒷자리는 일이삼사오육칠이에요", "주민번호 뒷자리는 *******이에요"),
        ("뒷번호는 2345678요", "뒷번호는 *******요"),
    ],
)
def test_the_back_half_of_an_rrn_is_masked_when_the_text_says_so(text: str, masked: str) -> None:
    assert mask_rrn(text) == masked
    assert has_masked_rrn(mask_rrn(text))


@pytest.mark.parametrize("text", ["전화번호 뒷자리 5678", "주민번호 앞자리 850302", "1234567"])
def test_other_parts_and_bare_seven_digits_are_not_masked(text: str) -> None:
    assert mask_rrn(text) == text


def test_the_phone_next_to_an_rrn_is_not_masked() -> None:
    text = "850302-1234567 010-1234-5678"
    assert mask_rrn(text) == "******-******* 010-1234-5678"


@pytest.mark.parametrize(
    "text", ["******-*******", "****** *******", "*************", "****** 다시 *******"]
)
def test_the_mask_pattern_matches_a_masked_rrn(text: str) -> None:
    assert MASK_PATTERN.search(text)
    assert has_masked_rrn(text)


@pytest.mark.parametrize("text", ["***-****-****", "******", "별표 *** 세 개", "850302-1234567"])
def test_other_stars_are_not_a_masked_rrn(text: str) -> None:
    assert not has_masked_rrn(text)


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        ("010-1234-5678", "***-****-****"),
        ("전화 01012345678로 주세요", "전화 ***********로 주세요"),
        ("공일공 일이삼사 오육칠팔", "*** **** ****"),
        ("+82 10-1234-5678", "+** **-****-****"),
        ("850302-1234567", "******-*******"),
        ("신청번호 20481937", "신청번호 20481937"),
        ("사업자 123-45-67890", "사업자 123-45-67890"),
    ],
)
def test_log_redaction_masks_rrn_and_phone_shaped_digits(text: str, redacted: str) -> None:
    assert redact_for_logs(text) == redacted
    assert len(redact_for_logs(text)) == len(text)


def test_masked_rrn_spans_point_at_the_masks() -> None:
    masked = mask_rrn("제 주민번호는 850302-1234567이고 뒷자리 다시 말하면 2345678이요")
    assert find_masked_rrns(masked) == [(8, 22), (36, 43)]
    masked = mask_rrn("850302-1234567 그리고 900715-2345678")
    assert find_masked_rrns(masked) == [(0, 14), (19, 33)]
    back = mask_rrn("주민번호 뒷자리 1234567")
    assert find_masked_rrns(back) == [(9, 16)]


def test_masking_never_changes_the_length_of_any_input() -> None:
    alphabet = list("공영일이삼사오육칠팔구0123456789 -._에다시주민번호뒷자리*")
    rng = random.Random(11)
    for _ in range(400):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        assert len(mask_rrn(text)) == len(text)
        assert len(redact_for_logs(text)) == len(text)
        assert not has_rrn(mask_rrn(text))


# --- every way a person separates or spells the two halves (issue 9) ---

FRONT_HALVES = {"typed": "850302", "spoken": "팔오공삼공이", "full-width": "８５０３０２"}
BACK_HALVES = {"typed": "1234567", "spoken": "일이삼사오육칠", "full-width": "１２３４５６７",
               "foreign resident": "6234567"}
SEPARATORS = {
    "line break": "\n", "CRLF": "\r\n", "blank line": "\n\n", "comma": ",", "comma space": ", ",
    "spaced comma": " , ", "colon": ":", "colon space": ": ", "dot": ".", "dot space": ". ",
    "slash": "/", "spaced slash": " / ", "tab": "\t", "three spaces": "   ", "six spaces": "      ",
    "pipe": "|", "tilde": " ~ ", "dash and line break": " -\n ",
    "zero-width space": "\u200b", "dash + zero-width": "-\u200b", "word joiner": "\u2060",
    "BOM": "\ufeff", "soft hyphen": "\u00ad", "Hangul filler": "\u3164",
    "ideographic space": "\u3000", "full-width hyphen": "－", "full-width colon": "：",
    "full-width comma": "，", "ideographic comma": "、",
    "다시": " 다시 ", "다시 glued": "다시", "에": "에 ", "에 + line break": "에\n",
    "그리고": " 그리고 ", "그리고 glued": "그리고", "하고": " 하고 ", "다음": " 다음 ",
    "다음에": " 다음에 ", "그 다음": " 그 다음 ", "뒤에": " 뒤에 ", "대시": " 대시 ",
    "빼기": " 빼기 ", "하이픈": " 하이픈 ", "에 이어서": "에 이어서 ", "spaced 에 이어서": " 에 이어서 ",
    "뒷자리는": " 뒷자리는 ",
}
CONTEXTS = {"bare": ("", ""), "cued": ("주민번호 ", ""), "sentence": ("제 번호는 ", "이에요"),
            "polite end": ("", " 입니다")}


def _separator_cases() -> list[tuple[str, str, str]]:
    cases = []
    for (front_name, front), (back_name, back) in itertools.product(
        FRONT_HALVES.items(), BACK_HALVES.items()
    ):
        for (sep_name, sep), (context, (before, after)) in itertools.product(
            SEPARATORS.items(), CONTEXTS.items()
        ):
            cases.append(pytest.param(before, front, sep, back, after,
                                      id=f"{front_name}|{sep_name}|{back_name}|{context}"))
    return cases


@pytest.mark.parametrize(("before", "front", "sep", "back", "after"), _separator_cases())
def test_an_rrn_is_masked_whatever_separates_its_halves(
    before: str, front: str, sep: str, back: str, after: str
) -> None:
    text = before + front + sep + back + after
    masked = mask_rrn(text)
    assert masked == before + "*" * len(front) + sep + "*" * len(back) + after
    assert has_masked_rrn(masked)  # so the bot can say it is not needed and was not stored
    assert not has_rrn(masked)


LOOK_ALIKE_SHAPES = {
    "mobile": ("010", "1234", "5678"),
    "spoken mobile": ("공일공", "일이삼사", "오육칠팔"),
    "Seoul phone": ("02", "123", "4567"),
    "date": ("1950", "03", "02"),
    "short date": ("50", "03", "02"),
    "order number in two": ("2048", "1937"),
    "spoken order number": ("이공사팔", "일구삼칠"),
    "two order numbers": ("20481937", "20481938"),
    "business number": ("123", "45", "67890"),
    "two business numbers": ("123-45-67890", "987-65-43210"),
    "OTP": ("482913",),
    "two OTPs": ("482913", "482914"),
    "birth date then phone": ("생년월일 500302", "전화 01012345678"),
    "birth date then mobile": ("500302", "01012345678"),
    "code then order": ("인증번호 482913", "신청번호 20481937"),
    "time": ("12", "30"),
    "date then phone": ("1950년 3월 2일", "010-1234-5678"),
    "birth date then floor": ("500302", "2층"),
    "birth date then 8 digits": ("850302", "12345678"),
    "birth date then OTP": ("850302", "123456"),
    "seven then six": ("1234567", "850302"),
    "amounts": ("1,000원", "12,500원"),
    "birth date then an amount": ("850302", "1,234,567원"),
}
LOOK_ALIKE_SEPARATORS = {name: SEPARATORS[name] for name in (
    "line break", "comma", "comma space", "colon", "dot space", "slash", "tab", "three spaces",
    "zero-width space", "full-width hyphen", "다시", "에", "그리고", "하고", "다음", "뒤에", "대시",
    "빼기", "하이픈", "에 이어서")}


@pytest.mark.parametrize(
    "text",
    [pytest.param(sep.join(parts), id=f"{shape}|{sep_name}")
     for (shape, parts), (sep_name, sep) in itertools.product(
         LOOK_ALIKE_SHAPES.items(), LOOK_ALIKE_SEPARATORS.items())],
)
def test_look_alikes_stay_untouched_whatever_separates_them(text: str) -> None:
    assert mask_rrn(text) == text
    assert not has_rrn(text)


def test_an_invisible_character_inside_a_half_does_not_hide_it() -> None:
    text = "8503\u200b02-12\u200d34567"
    assert mask_rrn(text) == "****\u200b**-**\u200d*****"
    assert not has_rrn(mask_rrn(text))


def test_digits_of_other_scripts_and_styles_are_masked() -> None:
    text = "𝟖𝟓𝟎𝟑𝟎𝟐-１２３４５６７"
    assert mask_rrn(text) == "******-*******"


def test_two_rrns_with_spoken_separators_are_both_masked_and_found() -> None:
    masked = mask_rrn("850302 대시 1234567 그리고 900715\n2345678")
    assert masked == "****** 대시 ******* 그리고 ******\n*******"
    assert find_masked_rrns(masked) == [(0, 17), (22, 36)]


# --- an RRN split over two messages (the tracker store uses these, bot/tracker_store.py) ---


@pytest.mark.parametrize("text", ["850302", "팔오공삼공이", "생년월일은 850302예요", "850302-",
                                  "８５０３０２", "주민번호 앞자리 850302"])
def test_a_message_ending_in_a_yymmdd_may_be_an_rrn_front_half(text: str) -> None:
    assert ends_with_rrn_front_half(text)


@pytest.mark.parametrize("text", ["1950-03-02", "991332", "010-1234-5678", "20481937", "안녕하세요",
                                  "850302 두 통이요 010-1234-5678"])
def test_other_messages_are_not_a_front_half(text: str) -> None:
    assert not ends_with_rrn_front_half(text)


@pytest.mark.parametrize(
    ("text", "masked"),
    [("1234567", "*******"), ("2345678이에요", "*******이에요"), ("일이삼사오육칠", "*******"),
     ("-1234567", "-*******"), ("뒤는 6234567요", "뒤는 *******요"), ("１２３４５６７", "*******")],
)
def test_a_back_half_after_a_front_half_is_masked(text: str, masked: str) -> None:
    assert mask_rrn_back_halves(text) == masked


@pytest.mark.parametrize("text", ["9234567", "0234567", "123456", "12345678", "010-1234-5678",
                                  "네 맞아요", "1234567원"])
def test_what_cannot_be_a_back_half_is_kept(text: str) -> None:
    assert mask_rrn_back_halves(text) == text


def test_log_redaction_masks_birth_dates_codes_and_back_halves_but_keeps_order_numbers() -> None:
    line = "user said '850302' then '1234567', code 482913, birth_date 1950-03-02, order 20481937"
    assert redact_for_logs(line) == (
        "user said '******' then '*******', code ******, birth_date ****-**-**, order 20481937")
    assert redact_for_logs("850302\n1234567") == "******\n*******"
    assert redact_for_logs("up on http://127.0.0.1:5055") == "up on http://127.0.0.1:5055"
