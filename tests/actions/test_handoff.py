"""Handoff opens a ticket, says what happens next, and pauses the bot."""

from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import ActionHandoff, staff_hours_words
from tests.actions.trackers import DOMAIN, plain_turn


async def test_handoff_opens_a_ticket_and_pauses(backend: str) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionHandoff().run(
        dispatcher, plain_turn("human_handoff", slots={"document": "resident_copy"}), DOMAIN
    )
    assert events[-1] == {"event": "pause", "timestamp": None}
    message = dispatcher.messages[0]
    assert message["utter_action"] in {"utter_handoff_opened", "utter_handoff_opened_after_hours"}
    assert message["ticket_id"]
    assert "09:00~18:00" in message["staff_hours"]


async def test_handoff_without_backend_says_so_and_does_not_pause(backend_down: str) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionHandoff().run(dispatcher, plain_turn("human_handoff"), DOMAIN)
    assert events == []
    assert dispatcher.messages[0]["utter_action"] == "utter_handoff_unavailable"


def test_staff_hours_are_said_as_days_and_times() -> None:
    hours = {"weekdays": "09:00-18:00", "days": ["mon", "tue", "wed", "thu", "fri"]}
    assert staff_hours_words(hours) == "월~금 09:00~18:00"
