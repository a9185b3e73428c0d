"""Trackers built from events, the way Rasa hands them to the action server, and readers."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.backend_client import bind_tracker
from bot.processes import ROOT

DOMAIN: dict[str, Any] = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


def latest_code(backend_url: str, phone: str) -> str:
    """The SMS code last sent to `phone`, from the dev outbox."""
    sent = httpx.get(f"{backend_url}/dev/sms-outbox", params={"phone": phone}, timeout=5).json()
    text = sent[-1]["text"]
    return next(word for word in _digit_runs(text) if len(word) == 6)


def _digit_runs(text: str) -> list[str]:
    runs, current = [], ""
    for c in text:
        if c.isdigit():
            current += c
        elif current:
            runs.append(current)
            current = ""
    return [*runs, current] if current else runs


def user_event(
    intent: str, entities: dict[str, str] | None = None, text: str = "", message_id: str = ""
) -> dict[str, Any]:
    """A `user` event as Rasa stores it."""
    parse = {
        "intent": {"name": intent, "confidence": 0.99},
        "entities": [{"entity": k, "value": v} for k, v in (entities or {}).items()],
        "text": text,
        "message_id": message_id or uuid.uuid4().hex,
    }
    return {
        "event": "user",
        "text": text,
        "parse_data": parse,
        "message_id": parse["message_id"],
        "timestamp": 1.0,
    }


def slot_event(name: str, value: Any) -> dict[str, Any]:
    return {"event": "slot", "name": name, "value": value}


def form_turn(
    form: str,
    before: dict[str, Any],
    intent: str,
    entities: dict[str, str] | None = None,
    text: str = "",
    candidates: dict[str, Any] | None = None,
    message_id: str = "",
    sender_id: str = "",
) -> Tracker:
    """The tracker a form's validation action sees on a user turn.

    `before` are the slots before the message (requested_slot included); `candidates` the values
    Rasa extracted from it (by default the entities themselves, as the domain's mappings do).
    """
    user = user_event(intent, entities, text, message_id)
    found = dict(entities or {}) if candidates is None else candidates
    events = [slot_event(k, v) for k, v in before.items()]
    events += [user, {"event": "action", "name": form}]
    events += [slot_event(k, v) for k, v in found.items()]
    return _served(Tracker(
        sender_id=sender_id or f"test-{uuid.uuid4().hex[:12]}",
        slots={**before, **found},
        latest_message=user["parse_data"],
        events=events,
        paused=False,
        followup_action=None,
        active_loop={"name": form},
        latest_action_name=form,
    ))


def plain_turn(
    intent: str,
    entities: dict[str, str] | None = None,
    text: str = "",
    slots: dict[str, Any] | None = None,
    earlier_intents: tuple[str, ...] = (),
) -> Tracker:
    """The tracker an action sees right after a user message outside any form."""
    events: list[dict[str, Any]] = []
    for earlier in earlier_intents:
        events += [user_event(earlier), {"event": "action", "name": "action_listen"}]
    user = user_event(intent, entities, text)
    events.append(user)
    return _served(Tracker(
        sender_id=f"test-{uuid.uuid4().hex[:12]}",
        slots=dict(slots or {}),
        latest_message=user["parse_data"],
        events=events,
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    ))


def _served(tracker: Tracker) -> Tracker:
    """Bind the test's backend calls to this tracker's conversation, as the action server's
    request hook does for every action call (actions/backend_client.install_request_context)."""
    bind_tracker(tracker)
    return tracker


def slots_of(events: list[dict[str, Any]]) -> dict[str, Any]:
    """The slot values set by a list of events (the last one wins)."""
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def responses_of(dispatcher: CollectingDispatcher) -> list[str]:
    """The response names the action uttered, in order."""
    return [m.get("utter_action") or "" for m in dispatcher.messages]
