"""Order numbers, verification codes and business numbers: fixed-length digit strings."""

import pytest

from nlu.normalise.business_numbers import parse_business_number
from nlu.normalise.order_ids import parse_order_id
from nlu.normalise.otp import parse_otp


@pytest.mark.parametrize(
    ("raw", "order_id"),
    [
        ("20481937", "20481937"),
        ("이공사팔 일구삼칠", "20481937"),
        ("2048-1937", "20481937"),
        ("이공사팔에 일구삼칠", "20481937"),
        ("이공사팔 다시 일구삼칠", "20481937"),
        ("2048 1937", "20481937"),
        ("이공사팔일구삼칠", "20481937"),
        ("이 공 사 팔 일 구 삼 칠", "20481937"),
        ("신청번호 20481937이요", "20481937"),
        ("이공사팔 1937", "20481937"),
        ("삼칠오공 이이일팔이에요", "37502218"),
    ],
)
def test_order_numbers_normalise_to_eight_digits(raw: str, order_id: str) -> None:
    assert parse_order_id(raw) == order_id


@pytest.mark.parametrize("raw", ["2048193", "204819377", "010-1234-5678", "신청번호요", ""])
def test_numbers_of_another_length_are_not_order_numbers(raw: str) -> None:
    assert parse_order_id(raw) is None


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("123456", "123456"),
        ("일이삼 사오육", "123456"),
        ("1 2 3 4 5 6", "123456"),
        ("인증번호는 482913이에요", "482913"),
        ("사팔이구일삼", "482913"),
        ("사팔이 구일삼이요", "482913"),
        ("482 913", "482913"),
        ("482-913", "482913"),
        ("일 이 삼 사 오 육", "123456"),
        ("영영칠 삼삼구", "007339"),
        ("공공칠삼삼구요", "007339"),
        ("482913 입니다", "482913"),
    ],
)
def test_verification_codes_normalise_to_six_digits(raw: str, code: str) -> None:
    assert parse_otp(raw) == code


@pytest.mark.parametrize("raw", ["12345", "1234567", "인증번호요", "오십"])
def test_numbers_of_another_length_are_not_codes(raw: str) -> None:
    assert parse_otp(raw) is None


@pytest.mark.parametrize(
    ("raw", "number"),
    [
        ("123-45-67890", "1234567890"),
        ("1234567890", "1234567890"),
        ("987-65-43210", "9876543210"),
        ("123 45 67890", "1234567890"),
        ("일이삼 사오 육칠팔구공", "1234567890"),
        ("일이삼에 사오에 육칠팔구공", "1234567890"),
        ("사업자번호는 123-45-67890입니다", "1234567890"),
        ("구팔칠 육오 사삼이일공이요", "9876543210"),
    ],
)
def test_business_numbers_normalise_to_ten_digits(raw: str, number: str) -> None:
    assert parse_business_number(raw) == number


@pytest.mark.parametrize("raw", ["123-45-6789", "20481937", "사업자요"])
def test_numbers_of_another_length_are_not_business_numbers(raw: str) -> None:
    assert parse_business_number(raw) is None
