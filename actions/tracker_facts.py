"""Read-only questions about a rasa_sdk Tracker that several actions ask."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone
from typing import Any

from rasa_sdk import Tracker

# The token must outlive the next backend call; treat it as gone a minute early.
_TOKEN_MARGIN = timedelta(seconds=60)


def latest_intent(tracker: Tracker) -> str | None:
    """Return the intent of the latest user message."""
    intent = (tracker.latest_message or {}).get("intent") or {}
    name = intent.get("name")
    return str(name) if name else None


def latest_text(tracker: Tracker) -> str:
    """Return the latest user text (already masked by the channel and the PII guard)."""
    return str((tracker.latest_message or {}).get("text") or "")


def latest_entity(tracker: Tracker, entity: str) -> Any:
    """Return the first value of `entity` in the latest user message, or None."""
    return next(tracker.get_latest_entity_values(entity), None)


def entity_values(tracker: Tracker, entity: str) -> list[Any]:
    """Return every value of `entity` in the latest user message, in the order they were said."""
    found = [
        e
        for e in (tracker.latest_message or {}).get("entities") or []
        if e.get("entity") == entity and e.get("value") is not None
    ]
    found.sort(key=lambda e: int(e.get("start") or 0))
    return [e["value"] for e in found]


def has_entity(tracker: Tracker, entity: str) -> bool:
    """Return whether the latest user message carries `entity`."""
    return latest_entity(tracker, entity) is not None


def message_id(tracker: Tracker) -> str:
    """Return the id of the latest user message (a stable digest if the channel gave none)."""
    latest = tracker.latest_message or {}
    mid = latest.get("message_id")
    if mid:
        return str(mid)
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            stamp = f"{event.get('timestamp')}:{event.get('text')}"
            return hashlib.sha256(stamp.encode()).hexdigest()[:32]
    return "none"


def digits_in_text(tracker: Tracker) -> str:
    """Return only the digits of the latest user text."""
    return "".join(c for c in latest_text(tracker) if c.isdigit())


def consecutive_fallbacks(tracker: Tracker) -> int:
    """Count the user messages at the end of the conversation that the NLU did not understand."""
    count = 0
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if intent != "nlu_fallback":
            break
        count += 1
    return count


def previous_slot_value(tracker: Tracker, slot: str) -> Any:
    """Return the value `slot` had before the latest user message."""
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            seen_user = True
            continue
        if seen_user and event.get("event") == "slot" and event.get("name") == slot:
            return event.get("value")
    return None


def slots_set_since_user(tracker: Tracker) -> set[str]:
    """Return the names of slots set after the latest user message."""
    names: set[str] = set()
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            break
        if event.get("event") == "slot":
            names.add(str(event.get("name")))
    return names


def has_valid_identity(tracker: Tracker, now: datetime | None = None) -> bool:
    """Return whether the conversation holds an identity token that is still good for this.

    A caller-ID token of the voice line ("caller:…", actions/identity.py) is good for a home
    delivery in the certificate form only; for anything else the resident confirms with the
    SMS code (the backend would refuse it: docs/security.md).
    """
    token = tracker.get_slot("identity_token")
    expires = tracker.get_slot("identity_expires_at")
    if not token or not expires:
        return False
    if str(token).startswith("caller:") and not (
        tracker.get_slot("method") == "delivery"
        and tracker.active_loop_name == "certificate_form"
    ):
        return False
    try:
        expires_at = datetime.fromisoformat(str(expires))
    except ValueError:
        return False
    if expires_at.tzinfo is None:
        expires_at = expires_at.replace(tzinfo=timezone.utc)
    return (now or datetime.now(timezone.utc)) + _TOKEN_MARGIN < expires_at
