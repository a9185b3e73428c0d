import pytest

from nlu.normalise.digit_runs import digits_in, find_digit_runs


def _runs(text: str) -> list[list[str]]:
    return [[text[g.start : g.end] for g in run.groups] for run in find_digit_runs(text)]


@pytest.mark.parametrize(
    ("text", "runs"),
    [
        ("010-1234-5678", [["010", "1234", "5678"]]),
        ("공일공에 일이삼사에 오육칠팔", [["공일공", "일이삼사", "오육칠팔"]]),
        ("공일공 다시 일이삼사", [["공일공", "일이삼사"]]),
        ("010 일이삼사 5678", [["010", "일이삼사", "5678"]]),
        ("1 2 3 4 5 6", [["1", "2", "3", "4", "5", "6"]]),
        ("번호는일이삼사오육", [["일이삼사오육"]]),
        ("신청번호 20481937 전화 01012345678", [["20481937"], ["01012345678"]]),
    ],
)
def test_digit_groups_joined_by_separators_or_fillers_form_one_run(
    text: str, runs: list[list[str]]
) -> None:
    assert _runs(text) == runs


@pytest.mark.parametrize(
    "text",
    [
        "감사합니다",  # 사 inside a word
        "오늘 오후에 가요",
        "1,000원이요",
        "30000원이에요",
        "주민센터 2층",
        "칠십오세",
        "5천원이요",
        "천 원이에요",
        "구십 넘으신 어머니",
    ],
)
def test_syllables_inside_words_and_quantities_are_not_digits(text: str) -> None:
    assert all(len("".join(g.digits for g in r.groups)) < 2 for r in find_digit_runs(text))


def test_a_word_like_head_does_not_lend_its_syllables_to_a_code() -> None:
    assert _runs("이사 일이삼사오육") == [["일이삼사오육"]]


def test_a_trailing_i_before_a_copula_is_read_both_ways() -> None:
    ((group,),) = [run.groups for run in find_digit_runs("오육칠팔이에요")]
    assert [digits for digits, _ in group.variants()] == ["56782", "5678"]


def test_digits_in_a_span_are_read_to_the_wanted_length() -> None:
    assert digits_in("인증번호는 482913이에요", (6,)) == "482913"
    assert digits_in("공일공 일이삼사 오육칠팔이에요", (11,)) == "01012345678"
    assert digits_in("오육칠이", (4,)) == "5672"
    assert digits_in("오육칠", (6,)) is None
