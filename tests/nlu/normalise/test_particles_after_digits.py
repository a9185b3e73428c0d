"""A particle or copula glued to typed digits is not a spoken digit ("2280이" is not "22802")."""

from datetime import date

import pytest

from nlu.normalise.extract import extract_entities, normalise
from nlu.pii import mask_rrn

TODAY = date(2026, 11, 25)


@pytest.mark.parametrize(
    ("text", "entity", "value"),
    [
        ("010-4415-2280이 맞아요", "phone_number", "01044152280"),
        ("010-4415-2280이구요", "phone_number", "01044152280"),
        ("01044152280이오", "phone_number", "01044152280"),
        ("제 번호는 010-4415-2280일걸요", "phone_number", "01044152280"),
        ("010-4415-2280이유", "phone_number", "01044152280"),
        ("010-4415-2280이에여", "phone_number", "01044152280"),
        ("010-4415-2280이십니다", "phone_number", "01044152280"),
        ("010-4415-2280이사 가기 전 번호예요", "phone_number", "01044152280"),
        ("20481937이요", "order_id", "20481937"),
        ("신청번호 20481937이구요", "order_id", "20481937"),
        ("2048-1937이 맞나요", "order_id", "20481937"),
        ("20481937일 거예요", "order_id", "20481937"),
        ("482913이에요", "otp_code", "482913"),
        ("인증번호 482913이구", "otp_code", "482913"),
        ("인증번호는 482913이오", "otp_code", "482913"),
        ("1234567890이고요", "business_number", "1234567890"),
        ("사업자번호 1234567890이구요", "business_number", "1234567890"),
        ("1234567890이유", "business_number", "1234567890"),
        ("500302이요", "birth_date", "1950-03-02"),
        ("생년월일은 500302이구요", "birth_date", "1950-03-02"),
        ("500302일걸요", "birth_date", "1950-03-02"),
    ],
)
def test_a_particle_glued_to_typed_digits_does_not_add_a_digit(
    text: str, entity: str, value: str
) -> None:
    assert [(e.entity, e.value) for e in extract_entities(text, TODAY)] == [(entity, value)]
    assert normalise(entity, text, TODAY) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("010 4415 22팔공", "01044152280"),
        ("010-1234-567팔", "01012345678"),
        ("010-1234-567팔이에요", "01012345678"),
        ("010일이삼사5678", "01012345678"),
    ],
)
def test_spoken_digits_that_continue_typed_digits_still_count(text: str, value: str) -> None:
    assert [(e.entity, e.value) for e in extract_entities(text, TODAY)] == [("phone_number", value)]


@pytest.mark.parametrize(
    "text",
    ["주민번호 500302-1234567이요", "500302-1234567이구요", "주민번호 5003021234567이에요"],
)
def test_a_resident_number_followed_by_a_particle_is_still_masked(text: str) -> None:
    assert "1234567" not in mask_rrn(text)


@pytest.mark.parametrize(
    ("text", "entity", "value"),
    [
        ("공일공 사사일오 이이팔공이유", "phone_number", "01044152280"),
        ("공일공 사사일오 이이팔공이에여", "phone_number", "01044152280"),
        ("이공사팔 일구삼칠이여", "order_id", "20481937"),
        ("이공사팔 일구삼칠일걸요", "order_id", "20481937"),
        ("인증번호 사팔이구일삼이우다", "otp_code", "482913"),
        ("인증번호 사팔이구일삼일 거예요", "otp_code", "482913"),
        ("일이삼사오육칠팔구공이에유", "business_number", "1234567890"),
        ("오공공삼공이이유", "birth_date", "1950-03-02"),
    ],
)
def test_a_dialect_copula_after_spoken_digits_is_read_without_its_digit(
    text: str, entity: str, value: str
) -> None:
    assert [(e.entity, e.value) for e in extract_entities(text, TODAY)] == [(entity, value)]
    assert normalise(entity, text, TODAY) == value
