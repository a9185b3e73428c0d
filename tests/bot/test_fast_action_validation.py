"""bot/fast_action_validation.py: the action server's responses are checked as Rasa checks them,
refused with the same error, only without rebuilding the validator on every call (issue 11).
bot/fast_events.py: events are read back into the classes Rasa's own search finds."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from bot import fast_action_validation as fav
from bot import fast_events

RASA_VALIDATE = fav._RASA_VALIDATE
ACTION = RemoteAction("validate_certificate_form", None)

# What our action server answers for a form turn: slots, the loop, a question by response name.
FORM_RESPONSE: dict[str, Any] = {
    "events": [
        {"event": "slot", "timestamp": None, "name": "document", "value": "등본"},
        {"event": "slot", "timestamp": None, "name": "copies", "value": 1.0},
        {"event": "active_loop", "timestamp": None, "name": "certificate_form"},
        {"event": "slot", "timestamp": None, "name": "requested_slot", "value": "method"},
        {"event": "followup", "timestamp": None, "name": "action_listen"},
        {"event": "reset_slots", "timestamp": None},
    ],
    "responses": [
        {"response": "utter_ask_method", "buttons": [{"title": "무인발급기", "payload": "/x"}]},
        {"text": "등본 한 통이에요.", "template": None, "image": None, "elements": []},
    ],
}

INVALID_RESPONSES: dict[str, dict[str, Any]] = {
    "events not a list": {"events": {"event": "slot"}},
    "event without its type": {"events": [{"name": "document", "value": "등본"}]},
    "unknown event type": {"events": [{"event": "teleport", "name": "x"}]},
    "slot event without a name": {"events": [{"event": "slot", "value": "등본"}]},
    "a response that is a string": {"responses": ["등본이에요"]},
    "timestamp as text": {"events": [{"event": "slot", "name": "a", "timestamp": "now"}]},
}


@pytest.fixture
def rasa_method_restored() -> Iterator[None]:
    before = RemoteAction._validate_action_result
    yield
    RemoteAction._validate_action_result = before  # type: ignore[method-assign]


def test_a_form_response_and_an_empty_one_pass() -> None:
    for response in (FORM_RESPONSE, {}, {"events": [], "responses": []}):
        assert RASA_VALIDATE(ACTION, response) is True
        assert fav.validate_compiled(ACTION, response) is True


@pytest.mark.parametrize("case", sorted(INVALID_RESPONSES))
def test_an_invalid_response_is_refused_with_rasas_own_error(case: str) -> None:
    response = INVALID_RESPONSES[case]
    with pytest.raises(ValidationError) as rasa_error:
        RASA_VALIDATE(ACTION, response)
    with pytest.raises(ValidationError) as ours:
        fav.validate_compiled(ACTION, response)
    assert ours.value.message == rasa_error.value.message
    assert ours.value.message.endswith("/custom-actions")
    assert list(ours.value.absolute_path) == list(rasa_error.value.absolute_path)
    assert ours.value.validator == rasa_error.value.validator


def _every_kind_of_event() -> list[dict[str, Any]]:
    """One serialised event of each kind Rasa has, as an action server may send them."""
    from datetime import datetime

    from rasa.shared.core import events as e

    return [event.as_dict() for event in (
        e.UserUttered("등본 한 통이요", {"name": "request_certificate", "confidence": 0.9},
                      [{"entity": "document", "value": "resident_copy", "start": 0, "end": 2}]),
        e.BotUttered("몇 통 필요하세요?", {"buttons": [{"title": "1통", "payload": "/x"}]}),
        e.ActionExecuted("action_listen", policy="RulePolicy", confidence=1.0),
        e.SlotSet("document", "resident_copy"), e.SlotSet("copies", 2.0), e.SlotSet("x", None),
        e.ActiveLoop("certificate_form"), e.ActiveLoop(None), e.LoopInterrupted(True),
        e.FollowupAction("action_listen"), e.Restarted(), e.AllSlotsReset(),
        e.SessionStarted(), e.UserUtteranceReverted(), e.ActionReverted(),
        e.ConversationPaused(), e.ConversationResumed(), e.StoryExported(),
        e.ActionExecutionRejected("validate_certificate_form"),
        e.ReminderScheduled("EXTERNAL_reminder", datetime(2026, 12, 5, 9, 0), name="r"),
        e.ReminderCancelled(name="r"), e.AgentUttered("안내"),
        e.EntitiesAdded([{"entity": "dong", "value": "명동"}]),
        e.DefinePrevUserUtteredFeaturization(False),
    )]


def _spoilt(event: dict[str, Any]) -> list[dict[str, Any]]:
    """The event with one field at a time of a type no schema branch allows."""
    return [{**event, key: {"wrong": [1]}} for key in event if key not in ("value", "metadata")]


def test_checking_each_event_against_its_own_type_decides_as_the_whole_schema() -> None:
    eventwise = fav._EVENTWISE
    assert eventwise is not None
    events = _every_kind_of_event()
    responses: list[Any] = [FORM_RESPONSE, {}, {"events": events, "responses": []},
                            *INVALID_RESPONSES.values(), [], "events", {"events": None},
                            {"events": [None]}, {"events": [{"event": 3}]}]
    responses += [{"events": [event]} for event in events]
    responses += [{"events": [spoilt]} for event in events for spoilt in _spoilt(event)]
    decisions = [(eventwise.accepts(r), fav._VALIDATOR.is_valid(r)) for r in responses]
    assert all(ours == whole for ours, whole in decisions)
    assert sum(whole for _, whole in decisions) >= len(events) + 3  # the valid ones are there
    assert sum(not whole for _, whole in decisions) >= 40  # and many refused


def test_the_compiled_check_costs_a_fraction_of_rasas() -> None:
    def fastest(check: Any) -> float:
        times = []
        for _ in range(15):
            start = time.perf_counter()
            check(ACTION, FORM_RESPONSE)
            times.append(time.perf_counter() - start)
        return min(times)

    # Measured 19 ms against 0.5 ms; a factor of 5 leaves room for a busy machine.
    assert fastest(fav.validate_compiled) * 5 < fastest(RASA_VALIDATE)


def test_the_setting_chooses_compiled_off_or_rasa(rasa_method_restored: None) -> None:
    assert fav.install({}) == "compiled"
    assert RemoteAction._validate_action_result is fav.validate_compiled
    with pytest.raises(ValidationError):
        ACTION._validate_action_result(INVALID_RESPONSES["unknown event type"])

    assert fav.install({fav.VALIDATION_ENV: "off"}) == "off"
    assert ACTION._validate_action_result(INVALID_RESPONSES["unknown event type"]) is True

    assert fav.install({fav.VALIDATION_ENV: " Rasa "}) == "rasa"
    assert RemoteAction._validate_action_result is RASA_VALIDATE

    with pytest.raises(fav.ActionValidationConfigError, match="compiled, off, rasa"):
        fav.install({fav.VALIDATION_ENV: "fast"})


def test_the_rasa_server_entry_point_installs_the_compiled_check(
    rasa_method_restored: None, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    import rasa.__main__
    import rasa.core.agent
    import rasa.telemetry

    from bot import fast_inference, rasa_server

    # what main() installs for the server's process stays out of the rest of this test session
    monkeypatch.setattr(rasa.core.agent, "load_agent", rasa.core.agent.load_agent)
    request.addfinalizer(fast_inference.uninstall)
    seen: list[Any] = []
    monkeypatch.setattr(rasa.__main__, "main", lambda: seen.append(
        RemoteAction._validate_action_result))
    monkeypatch.setattr(rasa.telemetry, "initialize_telemetry", rasa.telemetry.initialize_telemetry)
    monkeypatch.setattr(rasa.telemetry, "initialize_error_reporting",
                        rasa.telemetry.initialize_error_reporting)
    monkeypatch.setenv("MINWON_PROFILE", "dev")
    monkeypatch.setenv("RASA_TELEMETRY_ENABLED", "false")
    monkeypatch.setenv("MINWON_RASA_TOKEN", "x" * 40)
    monkeypatch.delenv(fav.VALIDATION_ENV, raising=False)
    monkeypatch.setattr(sys, "argv", ["bot.rasa_server", "--model", "m"])
    rasa_server.main()
    assert seen == [fav.validate_compiled]

    monkeypatch.setenv(fav.VALIDATION_ENV, "sometimes")
    with pytest.raises(SystemExit):
        rasa_server.main()


def test_events_resolve_to_the_classes_rasas_search_finds() -> None:
    from rasa.shared.core.events import Event
    from rasa.shared.utils.common import all_subclasses

    original = fast_events._ORIGINAL
    names = {cls.type_name for cls in all_subclasses(Event)}
    assert {"user", "bot", "action", "slot", "session_started", "active_loop"} <= names
    for name in sorted(names):
        assert fast_events.resolve_by_type(name) is original(name)
        assert fast_events.resolve_by_type(name) is original(name)  # remembered, still the same
    with pytest.raises(ValueError, match="Unknown event name 'teleport'"):
        fast_events.resolve_by_type("teleport")
    assert fast_events.resolve_by_type("teleport", Event) is Event
    assert fast_events.resolve_by_type("topic") is None
    fast_events.install()
    try:
        assert Event.from_parameters({"event": "slot", "name": "a", "value": 1}) is not None
        assert Event.resolve_by_type("slot") is original("slot")
    finally:
        fast_events.uninstall()
    assert Event.resolve_by_type is original
