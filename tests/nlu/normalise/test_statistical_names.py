import pytest

from nlu.normalise.statistical_names import judge_statistical_name


def _judge(text: str, span: str) -> str | None:
    start = text.index(span)
    return judge_statistical_name(text, start, start + len(span))


@pytest.mark.parametrize(
    ("text", "span", "name"),
    [
        ("어제 김영희 할머니가 다녀가셨어요", "김영희", "김영희"),
        ("등본 떼러 왔는데 박서연이가 필요하대요", "박서연", "박서연"),
        ("김영희씨가 대신 간대요", "김영희씨가", "김영희"),
        ("서류는 최동훈한테 보내 주세요", "최동훈", "최동훈"),
        ("배달은 남궁민수 앞으로 해 주세요", "남궁민수", "남궁민수"),
        ("500302 김영희 등본이요", "김영희", "김영희"),
        ("등본 좀 이우진이 떼 간대요", "이우진", "이우진"),
    ],
)
def test_a_name_in_a_sentence_passes(text: str, span: str, name: str) -> None:
    assert _judge(text, span) == name


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("생년월일은 500302 임니다", "임니다"),
        ("500302 이우다", "이우다"),
        ("오십년 삼월 이일생 이라예", "이라예"),
        ("공일공 일이삼사 오육칠팔 이여", "이여"),
        ("500302 이에용", "이에용"),
        ("안녀하세요", "안녀하"),
        ("안넝하세요", "안넝하"),
        ("500302임니다", "임니다"),
        ("김영희", "영희"),  # a piece of a word
        ("정말요", "정말"),  # two syllables: too often a word
        ("이민준수현", "이민준수현"),  # five syllables
        ("배달 조건이 뭐예요", "조건이"),
        ("떼 주셔유", "주셔유"),
    ],
)
def test_endings_greetings_and_word_pieces_fail(text: str, span: str) -> None:
    assert _judge(text, span) is None


def test_a_span_outside_the_text_fails() -> None:
    assert judge_statistical_name("김영희", 2, 10) is None
