"""Values typed the way residents write in KakaoTalk: endings spelled as they sound, digits typed
one by one with the copula set apart, the code's English name in Hangul (issue 10)."""

from datetime import date

import pytest

from nlu.normalise.extract import extract_entities

TODAY = date(2026, 12, 4)


def _values(text: str) -> dict[str, str]:
    return {e.entity: e.value for e in extract_entities(text, TODAY)}


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("이름 곽미정욤", "곽미정"),
        ("저 표상우인데여", "표상우"),
        ("홍세라구여", "홍세라"),
        ("제 이름은 탁지호이구여", "탁지호"),
        ("명진수고여 생일은 620917", "명진수"),
        ("이름은 변서나라구여", "변서나"),
    ],
)
def test_a_name_keeps_no_kakao_ending(text: str, name: str) -> None:
    assert _values(text).get("person_name") == name


def test_a_name_listed_before_the_next_value_loses_its_bare_copula() -> None:
    values = _values("이름이 추예나고 번호는 010-3318-7702")
    assert values == {"person_name": "추예나", "phone_number": "01033187702"}


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("인증번호 7 3 0 5 1 8 이요", "730518"),
        ("코드 9 0 4 4 1 6 이에요 확인해 주세요", "904416"),
        # A spoken 2 at the end is still a digit when the code needs it.
        ("인증번호 칠 삼 공 오 일 이요", "730512"),
    ],
)
def test_a_code_typed_digit_by_digit_keeps_its_digits_and_drops_the_copula(
    text: str, code: str
) -> None:
    found = [e for e in extract_entities(text, TODAY) if e.entity == "otp_code"]
    assert [e.value for e in found] == [code]
    assert not text[found[0].start : found[0].end].endswith(" ")


def test_the_code_spelled_in_hangul_is_not_a_name() -> None:
    assert _values("오티피 615027 입력할게요") == {"otp_code": "615027"}
