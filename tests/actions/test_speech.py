"""What the action server sends when an action speaks: rendered text, buttons and the name."""

from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.questions import ActionAskDocument, ActionAskPhoneNumber, AskFromCatalog
from actions.speech import catalog, render, say
from tests.actions.trackers import DOMAIN, form_turn, plain_turn


def test_say_sends_the_rendered_text_with_its_variables_filled() -> None:
    dispatcher = CollectingDispatcher()
    say(dispatcher, plain_turn("cancel_request"), "utter_order_cancelled", order_id="JG-1234")
    [message] = dispatcher.messages
    assert message["utter_action"] == "utter_order_cancelled"
    assert message["response"] is None  # Rasa must not render it again from the domain
    assert "JG-1234" in message["text"]
    assert "{" not in message["text"]


def test_say_fills_variables_from_the_slots_when_the_call_does_not() -> None:
    # utter_ask_cancel_confirmed names {order_id}, a slot: filled from the tracker, as Rasa would.
    tracker = form_turn("lookup_form", {"requested_slot": "cancel_confirmed",
                                        "order_id": "JG-20261204-0042"}, "affirm")
    dispatcher = CollectingDispatcher()
    say(dispatcher, tracker, "utter_ask_cancel_confirmed", document_name="기본증명서")
    assert "JG-20261204-0042" in dispatcher.messages[0]["text"]
    # A variable given by the call wins over the slot.
    again = render("utter_ask_cancel_confirmed", tracker.slots, "rest",
                   order_id="JG-1", document_name="기본증명서")
    assert "JG-1 " in again["text"]


def test_buttons_travel_with_the_message() -> None:
    dispatcher = CollectingDispatcher()
    say(dispatcher, plain_turn("nlu_fallback"), "utter_default")
    [message] = dispatcher.messages
    assert message["buttons"] == catalog()["utter_default"][0]["buttons"]


def test_an_unknown_name_is_a_programming_error_not_a_silent_turn() -> None:
    with pytest.raises(KeyError):
        say(CollectingDispatcher(), plain_turn("greet"), "utter_no_such_thing")


def test_a_variable_may_not_overwrite_the_message() -> None:
    with pytest.raises(ValueError, match="overwrite"):
        say(CollectingDispatcher(), plain_turn("greet"), "utter_default", text="x")


@pytest.mark.parametrize("action", [ActionAskDocument(), ActionAskPhoneNumber()])
async def test_a_plain_form_question_is_asked_from_the_catalog(action: AskFromCatalog) -> None:
    dispatcher = CollectingDispatcher()
    tracker = form_turn("certificate_form", {"requested_slot": action.slot}, "inform")
    assert await action.run(dispatcher, tracker, DOMAIN) == []
    [message] = dispatcher.messages
    assert message["utter_action"] == f"utter_ask_{action.slot}"
    assert message["text"] == catalog()[f"utter_ask_{action.slot}"][0]["text"]


def test_every_plain_question_action_is_in_the_domain() -> None:
    names = {cls().name() for cls in AskFromCatalog.__subclasses__()}
    assert names <= set(DOMAIN["actions"])


def test_json_button_payloads_go_out_as_written_without_error_logs(
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    message = render("utter_ask_method", {"document": "resident_copy"}, "rest")
    assert message["buttons"] == catalog()["utter_ask_method"][0]["buttons"]
    assert any("{" in b["payload"] for b in message["buttons"])
    captured = capsys.readouterr()
    assert "interpolat" not in captured.out + captured.err + caplog.text
