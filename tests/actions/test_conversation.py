"""Misunderstandings, stray answers and stopping."""

from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import (
    ActionDefaultFallback,
    ActionHandleFallback,
    ActionHandleStrayInform,
    ActionStopRequest,
)
from tests.actions.trackers import DOMAIN, plain_turn, slots_of


async def said(action, tracker) -> list[str]:
    dispatcher = CollectingDispatcher()
    await action.run(dispatcher, tracker, DOMAIN)
    return [m["utter_action"] for m in dispatcher.messages]


async def test_one_misunderstanding_asks_to_rephrase() -> None:
    assert await said(ActionHandleFallback(), plain_turn("nlu_fallback")) == ["utter_default"]


async def test_two_misunderstandings_in_a_row_offer_a_person() -> None:
    tracker = plain_turn("nlu_fallback", earlier_intents=("nlu_fallback",))
    assert await said(ActionHandleFallback(), tracker) == ["utter_offer_handoff"]


async def test_an_understood_message_between_resets_the_count() -> None:
    tracker = plain_turn("nlu_fallback", earlier_intents=("nlu_fallback", "greet"))
    assert await said(ActionHandleFallback(), tracker) == ["utter_default"]


async def test_a_masked_rrn_is_warned_about_not_treated_as_misunderstood() -> None:
    tracker = plain_turn("nlu_fallback", {"pii_rrn": "masked"}, earlier_intents=("nlu_fallback",))
    assert await said(ActionHandleFallback(), tracker) == ["utter_pii_warning"]


async def test_a_stray_value_asks_what_is_needed() -> None:
    assert await said(ActionHandleStrayInform(), plain_turn("inform")) == ["utter_what_else"]


async def test_stop_forgets_the_request_but_keeps_identity() -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionStopRequest().run(
        dispatcher,
        plain_turn("stop", slots={"document": "resident_copy", "identity_token": "t"}),
        DOMAIN,
    )
    slots = slots_of(events)
    assert slots["document"] is None
    assert "identity_token" not in slots


async def test_the_policies_fallback_asks_to_rephrase_and_forgets_the_message() -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionDefaultFallback().run(dispatcher, plain_turn("greet"), DOMAIN)
    assert [m["utter_action"] for m in dispatcher.messages] == ["utter_default"]
    assert [e["event"] for e in events] == ["rewind"]
    assert "action_default_fallback" in DOMAIN["actions"]


async def test_an_rrn_read_out_with_a_stop_word_in_it_is_warned_about_not_a_stop() -> None:
    # "900101 다시 1234567": the spoken dash reads like "again", the classifier may say stop
    tracker = plain_turn("stop", {"pii_rrn": "masked"}, slots={"document": "resident_copy"})
    dispatcher = CollectingDispatcher()
    events = await ActionStopRequest().run(dispatcher, tracker, DOMAIN)
    assert [m["utter_action"] for m in dispatcher.messages] == ["utter_pii_warning"]
    assert "document" not in slots_of(events)  # the request goes on
