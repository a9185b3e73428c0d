import pytest

from nlu.normalise.spoken_digits import count_number, native_number, sino_number, spoken_digits


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("공일공 일이삼사", "0101234"),  # STYLE.md's example
        ("공일공 일이삼사 오육칠팔", "01012345678"),
        ("공일공에 일이삼사에 오육칠팔", "01012345678"),
        ("공일공 다시 일이삼사 다시 오육칠팔", "01012345678"),
        ("010 일이삼사 5678", "01012345678"),
        ("영일영 일이삼사 오륙칠팔", "01012345678"),
        ("이공사팔 일구삼칠", "20481937"),
        ("이공사팔-일구삼칠", "20481937"),
        ("일 이 삼 사 오 육", "123456"),
        ("1 2 3 4 5 6", "123456"),
        ("팔오공삼공이", "850302"),
        ("공일공의 일이삼사의 오육칠팔", "01012345678"),
        ("구", "9"),
    ],
)
def test_spoken_digits_read_each_syllable_as_one_digit(text: str, digits: str) -> None:
    assert spoken_digits(text) == digits


@pytest.mark.parametrize("text", ["", "이거요", "일 때문에", "오십", "안녕하세요", "010 번호"])
def test_text_that_is_not_only_digits_is_not_a_spoken_number(text: str) -> None:
    assert spoken_digits(text) is None


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("오십", 50),
        ("이십오", 25),
        ("백", 100),
        ("십", 10),
        ("십이", 12),
        ("삼십", 30),
        ("구십구", 99),
        ("천구백오십", 1950),
        ("천 구백 오십", 1950),
        ("일천구백오십", 1950),
        ("이천일", 2001),
        ("이천십", 2010),
        ("천", 1000),
        ("만", 10000),
        ("삼만", 30000),
        ("1950", 1950),
    ],
)
def test_sino_korean_numbers_combine_digits_and_units(text: str, value: int) -> None:
    assert sino_number(text) == value


@pytest.mark.parametrize("text", ["일이", "공일공", "십백", "백천", "두", "", "열"])
def test_digit_strings_and_misordered_units_are_not_sino_numbers(text: str) -> None:
    assert sino_number(text) is None


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("한", 1),
        ("하나", 1),
        ("두", 2),
        ("둘", 2),
        ("세", 3),
        ("석", 3),
        ("셋", 3),
        ("네", 4),
        ("넉", 4),
        ("다섯", 5),
        ("여섯", 6),
        ("일곱", 7),
        ("여덟", 8),
        ("아홉", 9),
        ("열", 10),
        ("열두", 12),
        ("열 두", 12),
        ("스무", 20),
        ("스물", 20),
        ("스물다섯", 25),
        ("서른", 30),
        ("마흔", 40),
        ("쉰", 50),
    ],
)
def test_native_numbers_count_from_one_to_fifty(text: str, value: int) -> None:
    assert native_number(text) == value


@pytest.mark.parametrize("text", ["오십", "통", "", "두세", "열열"])
def test_words_that_are_not_native_numbers_give_none(text: str) -> None:
    assert native_number(text) is None


@pytest.mark.parametrize(
    ("text", "value"), [("두", 2), ("오십", 50), ("100", 100), ("스물다섯", 25), ("이십오", 25)]
)
def test_a_count_may_be_native_sino_or_arabic(text: str, value: int) -> None:
    assert count_number(text) == value
