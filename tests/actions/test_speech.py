"""What the action server sends when an action speaks: rendered text, buttons and the name."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.district import clear_cache
from actions.asking import question_actions
from actions.questions import ActionAskDocument, ActionAskPhoneNumber, AskFromCatalog
from actions.settings import get_settings
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
    tracker = form_turn(
        "lookup_form",
        {"requested_slot": "cancel_confirmed", "order_id": "JG-20261204-0042"},
        "affirm",
    )
    dispatcher = CollectingDispatcher()
    say(dispatcher, tracker, "utter_ask_cancel_confirmed", document_name="기본증명서")
    assert "JG-20261204-0042" in dispatcher.messages[0]["text"]
    # A variable given by the call wins over the slot.
    again = render(
        "utter_ask_cancel_confirmed",
        tracker.slots,
        "rest",
        order_id="JG-1",
        document_name="기본증명서",
    )
    assert "JG-1(" in again["text"]


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


def test_every_plain_question_action_is_found_by_the_forms() -> None:
    names = {cls().name() for cls in AskFromCatalog.__subclasses__()}
    assert names <= set(question_actions())


def test_json_button_payloads_go_out_as_written_without_error_logs(
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    message = render("utter_ask_method", {"document": "resident_copy"}, "rest")
    assert message["buttons"] == catalog()["utter_ask_method"][0]["buttons"]
    assert any("{" in b["payload"] for b in message["buttons"])
    captured = capsys.readouterr()
    assert "interpolat" not in captured.out + captured.err + caplog.text


def test_say_chooses_particles_from_the_word_the_variable_became() -> None:
    dispatcher = CollectingDispatcher()
    tracker = plain_turn("inform")
    say(
        dispatcher,
        tracker,
        "utter_method_not_available",
        document_name="인감증명서",
        method_label="정부24",
    )
    say(
        dispatcher,
        tracker,
        "utter_method_not_available",
        document_name="주민등록표 등본",
        method_label="주민센터 창구",
    )
    first, second = (m["text"] for m in dispatcher.messages)
    assert first.startswith("인감증명서는 정부24로는 받을 수 없어요")
    assert second.startswith("주민등록표 등본은 주민센터 창구로는 받을 수 없어요")


def test_a_count_from_a_slot_is_said_in_words() -> None:
    # {copies_words} is made from the copies slot when the call does not pass copies.
    tracker = form_turn(
        "certificate_form",
        {"requested_slot": "order_confirmed", "copies": "2", "document": "resident_copy"},
        "inform",
    )
    message = render(
        "utter_order_summary_free",
        tracker.slots,
        "rest",
        document_name="주민등록표 등본",
        method_label="무인민원발급기",
    )
    assert "주민등록표 등본 두 통을 무인민원발급기로 받으시고" in message["text"]


def test_rules_are_filled_from_the_district_without_the_call_passing_them() -> None:
    message = render("utter_ask_copies", {}, "rest")
    assert "한 통부터 열 통까지" in message["text"]
    otp = render("utter_ask_otp_code", {"masked_phone": "010-****-5678"}, "rest")["text"]
    assert otp.startswith("010-****-5678로 인증번호 여섯 자리를 보냈어요. 3분 안에")


def test_the_message_keeps_only_the_call_s_own_variables() -> None:
    dispatcher = CollectingDispatcher()
    say(dispatcher, plain_turn("inform"), "utter_otp_wrong", tries_left=2)
    [message] = dispatcher.messages
    assert "두 번 더" in message["text"]
    assert message["tries_left"] == 2
    assert "tries_left_words" not in message
    assert "copies_max" not in message


def test_sentences_without_rules_are_said_even_without_any_district_facts(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("MINWON_DISTRICT_FILE", str(tmp_path / "missing.yml"))
    get_settings.cache_clear()
    clear_cache()
    try:
        message = render("utter_default", {}, "rest")
        assert "{" not in message["text"]
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
        clear_cache()


@pytest.mark.parametrize("order_id", ["20481930", "20481937"])
def test_an_order_number_ending_in_zero_is_said_with_its_particle(order_id: str) -> None:
    # Rasa's interpolator took "0[" (a number ending in 0 before a particle marker) for an
    # unfilled placeholder and sent the raw template: one order in ten showed "{order_id}".
    dispatcher = CollectingDispatcher()
    say(dispatcher, plain_turn("affirm"), "utter_order_placed_kiosk", order_id=order_id,
        fee_text="무료")
    [message] = dispatcher.messages
    assert f"신청번호는 {order_id}" in message["text"]
    assert "{" not in message["text"] and "[" not in message["text"]
