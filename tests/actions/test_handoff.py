"""Handoff opens a ticket, says what happens next, and pauses the bot."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import ActionHandoff, next_staff_opening, opening_words, staff_hours_words
from tests.actions.trackers import DOMAIN, plain_turn


async def test_handoff_opens_a_ticket_and_pauses_in_staff_hours_only(backend: str) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionHandoff().run(
        dispatcher, plain_turn("human_handoff", slots={"document": "resident_copy"}), DOMAIN
    )
    message = dispatcher.messages[0]
    assert message["ticket_id"]
    assert "09:00~18:00" in message["staff_hours"]
    if message["utter_action"] == "utter_handoff_opened":
        assert events[-1] == {"event": "pause", "timestamp": None}
    else:
        # Nobody would answer the silence: the resident hears when a person will, and the bot
        # keeps serving meanwhile.
        assert message["utter_action"] == "utter_handoff_after_hours_serving"
        assert message["next_opening"]
        assert all(e["event"] != "pause" for e in events)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # Seoul times; staff hours Monday to Friday from 09:00
        ("2026-12-04T20:30:00+09:00", "2026-12-07T09:00:00+09:00"),  # Friday evening: Monday
        ("2026-12-03T20:30:00+09:00", "2026-12-04T09:00:00+09:00"),  # Thursday evening: Friday
        ("2026-12-04T07:10:00+09:00", "2026-12-04T09:00:00+09:00"),  # Friday morning: today
        ("2026-12-05T12:00:00+09:00", "2026-12-07T09:00:00+09:00"),  # Saturday: Monday
    ],
)
def test_the_next_staff_opening_is_found(now: str, expected: str) -> None:
    hours = {"weekdays": "09:00-18:00", "days": ["mon", "tue", "wed", "thu", "fri"]}
    assert next_staff_opening(hours, datetime.fromisoformat(now)) == datetime.fromisoformat(
        expected
    )


def test_the_next_staff_opening_is_said_in_words() -> None:
    monday = datetime.fromisoformat("2026-12-07T09:00:00+09:00")
    assert opening_words(monday, date(2026, 12, 4)) == "월요일 오전 9시"
    assert opening_words(monday, date(2026, 12, 6)) == "내일 오전 9시"
    assert (
        opening_words(monday.replace(hour=13, minute=30), date(2026, 12, 7)) == "오늘 오후 1시 반"
    )


async def test_handoff_without_backend_says_so_and_does_not_pause(backend_down: str) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionHandoff().run(dispatcher, plain_turn("human_handoff"), DOMAIN)
    assert events == []
    assert dispatcher.messages[0]["utter_action"] == "utter_handoff_unavailable"


def test_staff_hours_are_said_as_days_and_times() -> None:
    hours = {"weekdays": "09:00-18:00", "days": ["mon", "tue", "wed", "thu", "fri"]}
    assert staff_hours_words(hours) == "월~금 09:00~18:00"
