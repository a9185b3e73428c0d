"""Numbers, dates, times and amounts as elderly listeners expect them (bot/voice/spoken_korean.py)."""

from __future__ import annotations

import pytest

from bot.voice.spoken_korean import clock, digits_spoken, for_ear, native, sino, unspeakable


@pytest.mark.parametrize(("number", "words"), [
    (0, "영"), (1, "일"), (10, "십"), (15, "십오"), (100, "백"), (1000, "천"), (1200, "천이백"),
    (10000, "만"), (12000, "만 이천"), (1950, "천구백오십"), (2026, "이천이십육"),
    (350000, "삼십오만"), (100000000, "일억"),
])
def test_sino_korean_numbers(number: int, words: str) -> None:
    assert sino(number) == words


@pytest.mark.parametrize(("number", "words"), [
    (1, "한"), (2, "두"), (3, "세"), (4, "네"), (10, "열"), (12, "열두"), (20, "스무"), (21, "스물한"),
])
def test_native_numbers_before_counters(number: int, words: str) -> None:
    assert native(number) == words


def test_clock_times_as_said_aloud() -> None:
    assert clock(15, 30) == "오후 세 시 반"
    assert clock(9, 0) == "오전 아홉 시"
    assert clock(12, 0) == "낮 열두 시"
    assert clock(18, 5) == "오후 여섯 시 오 분"


def test_digits_are_read_one_by_one_in_groups() -> None:
    assert digits_spoken("01012345678") == "공일공, 일이삼사, 오육칠팔"
    assert digits_spoken("20481937") == "이공사팔, 일구삼칠"
    assert digits_spoken("123456") == "일이삼, 사오육"


@pytest.mark.parametrize(("text", "ear"), [
    ("신청번호는 20481937이에요.", "신청번호는 이공사팔, 일구삼칠이에요."),
    ("010-1234-5678로 보냈어요.", "공일공, 일이삼사, 오육칠팔로 보냈어요."),
    ("010-****-5678로 보냈어요.", "끝자리 오육칠팔로 보냈어요."),
    ("수수료는 1,000원이에요.", "수수료는 천 원이에요."),
    ("12000원", "만 이천 원"),
    ("2026-12-04 15:30까지", "이천이십육 년 십이 월 사 일 오후 세 시 반까지"),
    ("1950년 6월 2일", "천구백오십 년 유월 이 일"),
    ("2통 남았어요.", "두 통 남았어요."),
    ("3시간 안에", "세 시간 안에"),
    ("3분 안에", "삼 분 안에"),
    ("50건", "오십 건"),
    ("등본(주소가 나오는 서류)", "등본 주소가 나오는 서류"),
    ("주민등록표 등·초본", "주민등록표 등본과 초본"),
    ("등록된 주소 다산로 ***로", "등록된 주소 다산로로"),
    ("(주)한빛은", "주한빛은"),
    ("정부24(인터넷)로 받으시고", "정부 이십사로 받으시고"),
    ("평일 9:00~18:00", "평일 오전 아홉 시부터 오후 여섯 시"),
])
def test_for_ear(text: str, ear: str) -> None:
    assert for_ear(text) == ear
    assert unspeakable(for_ear(text)) == []


def test_urls_and_latin_letters_are_not_read_out() -> None:
    spoken = for_ear("정부24(https://www.gov.kr)에서 SMS로 받으세요.")
    assert unspeakable(spoken) == []
    assert "gov" not in spoken


def test_unspeakable_names_what_a_tts_would_misread() -> None:
    assert unspeakable("신청번호 (1234) abc") == ["(", ")", "1", "2", "3", "4", "a", "b", "c"]
