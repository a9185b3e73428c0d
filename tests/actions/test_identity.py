"""Reading bare answers: birth dates typed as digits and names typed as a sentence."""

from __future__ import annotations

from datetime import date

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.identity import ActionAskOtpCode, name_from_text, parse_compact_birth_date

TODAY = date(2026, 11, 25)


@pytest.mark.parametrize(
    ("digits", "iso"),
    [
        ("500302", "1950-03-02"),
        ("19500302", "1950-03-02"),
        ("010101", "2001-01-01"),
        ("261231", "1926-12-31"),
        ("991340", None),
        ("1234", None),
    ],
)
def test_compact_birth_dates_follow_the_two_digit_year_rule(digits: str, iso: str | None) -> None:
    assert parse_compact_birth_date(digits, TODAY) == iso


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("김영희요", "김영희"),
        ("김영희입니다", "김영희"),
        ("제 이름은 김영희예요", "김영희"),
        ("박서연", "박서연"),
        ("등본 주세요", None),
        ("010-1234", None),
    ],
)
def test_a_bare_name_is_read_from_the_answer(text: str, name: str | None) -> None:
    assert name_from_text(text) == name


def ask_tracker(added: list[dict]) -> Tracker:
    events = [
        {"event": "user", "text": "x", "parse_data": {"intent": {"name": "inform"}}},
        {"event": "action", "name": "certificate_form"},
        *added,
    ]
    return Tracker("s", {}, {"intent": {"name": "inform"}}, events, False, None, {}, None)


@pytest.mark.parametrize(
    ("added", "said"),
    [
        ([{"event": "slot", "name": "challenge_id", "value": "c1"}], ["utter_ask_otp_code"]),
        ([{"event": "bot", "text": "wrong code"}], []),
        ([], ["utter_ask_otp_code_again"]),
    ],
)
async def test_the_code_prompt_says_a_code_was_sent_only_when_one_was(
    added: list[dict], said: list[str]
) -> None:
    dispatcher = CollectingDispatcher()
    await ActionAskOtpCode().run(dispatcher, ask_tracker(added), {})
    assert [m["utter_action"] for m in dispatcher.messages] == said
