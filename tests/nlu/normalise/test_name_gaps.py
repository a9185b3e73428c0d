"""Names with the surname 이, ordinary words that are not names, and dialect name endings."""

from datetime import date

import pytest

from nlu.normalise.extract import extract_entities, normalise
from nlu.normalise.person_names import find_person_names
from nlu.normalise.statistical_names import judge_statistical_name

TODAY = date(2026, 11, 25)


def _names(text: str) -> list[str]:
    return [e.value for e in extract_entities(text, TODAY) if e.entity == "person_name"]


@pytest.mark.parametrize(
    "text",
    [
        "이상철",
        "이상철이요",
        "이상철입니다",
        "제 이름은 이상철",
        "제 이름은 이상철이에요",
        "저는 이상철이에요",
        "이상철이라고 합니다",
        "신청자는 이상철이고요",
        "그럼 이상철로 해 주세요",
        "이상철 씨",
        "이상철이고 50년생이에요",
        "010-1234-5678 이상철이요",
    ],
)
def test_a_name_with_the_surname_i_is_found_and_normalised(text: str) -> None:
    assert normalise("person_name", text, TODAY) == "이상철"
    assert _names(text) == ["이상철"]


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [("이상철", 0, 3), ("이상철이요", 0, 3), ("제 이름은 이상철이에요", 6, 9)],
)
def test_a_tagger_span_with_the_surname_i_passes_the_strict_check(
    text: str, start: int, end: int
) -> None:
    assert judge_statistical_name(text, start, end) == "이상철"


_NOT_NAMES = ["반가워", "오케이", "하이루", "방가방가", "선생님", "주무관", "기사님", "정전됐어",
              "하려고", "나갈게", "노노노"]  # fmt: skip


@pytest.mark.parametrize("word", _NOT_NAMES)
@pytest.mark.parametrize("template", ["{}", "{}요", "네 {}", "{} 지금요"])
def test_an_ordinary_word_is_not_taken_for_a_name(word: str, template: str) -> None:
    text = template.format(word)
    assert find_person_names(text) == []
    assert normalise("person_name", text, TODAY) is None
    start = text.index(word)
    assert judge_statistical_name(text, start, start + len(word)) is None


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("송하늘이에여", "송하늘"),
        ("송하늘이에여~", "송하늘"),
        ("송하늘이에염", "송하늘"),
        ("송재혁이유", "송재혁"),
        ("저 송재혁이유", "송재혁"),
        ("서재원이랑께", "서재원"),
        ("서재원이랑께요", "서재원"),
        ("서재원이당께", "서재원"),
        ("곽복례라예", "곽복례"),
        ("곽복례라카이", "곽복례"),
        ("곽복례인데예", "곽복례"),
        ("곽복례예", "곽복례"),
        ("황금순이여", "황금순"),
        ("황금순이어유", "황금순"),
        ("황금순이여라", "황금순"),
        ("네 황금순이여", "황금순"),
        ("오십년 삼월 이일생 황금순이여", "황금순"),
    ],
)
def test_a_name_with_a_dialect_or_casual_ending_is_found(text: str, name: str) -> None:
    assert _names(text) == [name]
    assert normalise("person_name", text, TODAY) == name
