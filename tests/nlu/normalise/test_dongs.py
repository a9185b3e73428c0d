from pathlib import Path

import pytest

from nlu.normalise.dongs import (
    DEFAULT_DISTRICT_FILE,
    district_file,
    find_dongs,
    judge_dong_span,
    load_default_dongs,
    load_dongs,
    parse_dong,
)


def test_the_dongs_come_from_the_district_file() -> None:
    dongs = load_default_dongs()
    assert len(dongs) == 15
    assert {"신당동", "신당5동", "명동", "을지로동", "중림동"} <= set(dongs)


@pytest.mark.parametrize(
    ("raw", "dong"),
    [
        # nlu-contract.md rows
        ("신당", "신당동"),
        ("신당동", "신당동"),
        ("신당 5동", "신당5동"),
        ("명동 근처 발급기", "명동"),
        # more forms
        ("신당5동", "신당5동"),
        ("신당오동", "신당5동"),
        ("신당 오동", "신당5동"),
        ("신당 제5동", "신당5동"),
        ("을지로", "을지로동"),
        ("을지로동", "을지로동"),
        ("소공동", "소공동"),
        ("소공", "소공동"),
        ("회현동", "회현동"),
        ("회현 주민센터 몇 시까지", "회현동"),
        ("필동", "필동"),
        ("장충동 주민센터", "장충동"),
        ("광희동", "광희동"),
        ("다산동", "다산동"),
        ("약수동", "약수동"),
        ("약수역 근처 발급기", "약수동"),
        ("청구동 주민센터", "청구동"),
        ("청구에 살아요", "청구동"),
        ("동화동", "동화동"),
        ("황학동에서", "황학동"),
        ("중림동이요", "중림동"),
        ("중구 신당동", "신당동"),
        ("중구신당동", "신당동"),
        ("신당동 사는데요", "신당동"),
        ("명동역 앞", "명동"),
        ("명동성당 옆 주민센터", "명동"),
        ("저 신당 살아요", "신당동"),
    ],
)
def test_dong_names_normalise_to_the_official_name(raw: str, dong: str) -> None:
    assert parse_dong(raw) == dong


@pytest.mark.parametrize(
    "text",
    [
        "동",
        "혁명동지",
        "청구서 주세요",
        "요금 청구해 주세요",
        "다산콜센터에 물어봤어요",
        "다산로 101",
        "동화책",
        "약수터",
        "주민센터 어디예요",
        "동네 주민센터",
    ],
)
def test_words_that_contain_a_dong_name_are_not_dongs(text: str) -> None:
    assert find_dongs(text) == []


def test_a_dong_named_mid_sentence_keeps_its_span() -> None:
    text = "신당 5동 주민센터 무인발급기 밤에도 돼요?"
    ((match),) = find_dongs(text)
    assert (text[match.start : match.end], match.dong) == ("신당 5동", "신당5동")


def test_another_district_swaps_the_list_of_dongs() -> None:
    assert parse_dong("역삼동 살아요", ("역삼1동", "역삼동")) == "역삼동"
    assert parse_dong("역삼 일동", ("역삼1동", "역삼동")) == "역삼1동"


def test_the_district_file_can_be_configured(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    other = tmp_path / "gangnam-gu.yml"
    other.write_text("dongs:\n  - 역삼1동\n  - 역삼2동\n", encoding="utf-8")
    monkeypatch.setenv("MINWON_DISTRICT_FILE", str(other))
    assert district_file() == other
    assert load_dongs(district_file()) == ("역삼1동", "역삼2동")
    monkeypatch.setenv("MINWON_DISTRICT_FILE", "jung-gu.yml")
    assert district_file() == DEFAULT_DISTRICT_FILE


@pytest.mark.parametrize(
    ("text", "dongs"),
    [
        ("보험 청구에 필요해서 신당동 주민센터 가요", ["신당동"]),
        ("보험금 청구 때문에 등본 필요해요", []),
        ("청구 신청할게요", []),
        ("약수 뜨러 가요", []),
        ("동화책 읽어 주세요", []),
        ("동화 읽어 주는 프로그램 있어요?", []),
        ("청구요", ["청구동"]),
        ("네 청구예요", ["청구동"]),
        ("청구동이요", ["청구동"]),
        ("청구 주민센터 몇 시까지 해요", ["청구동"]),
        ("청구에 살아요", ["청구동"]),
        ("사는 곳은 청구요", ["청구동"]),
        ("약수역 근처 발급기", ["약수동"]),
        ("동화 쪽이요", ["동화동"]),
        ("청구 동사무소요", ["청구동"]),
    ],
)
def test_a_stem_that_is_also_a_common_word_needs_dong_or_a_place_cue(
    text: str, dongs: list[str]
) -> None:
    assert [m.dong for m in find_dongs(text)] == dongs


@pytest.mark.parametrize(
    ("text", "raw", "dong"),
    [
        ("보험 청구에 필요해요", "청구", None),
        ("보험 청구에 필요해요", "청구에", None),
        ("청구 주민센터요", "청구", "청구동"),
        ("신당 쪽이요", "신당", "신당동"),
        ("명동 근처", "명동", "명동"),
        ("서류 주세요", "서류", None),
    ],
)
def test_a_span_from_another_extractor_is_judged_in_its_sentence(
    text: str, raw: str, dong: str | None
) -> None:
    start = text.index(raw)
    assert judge_dong_span(text, start, start + len(raw)) == dong
