"""The warning said when a resident typed a resident registration number (RRN).

The channel and the NLU's PII guard have already masked it and add a `pii_rrn` entity; the
dialogue only has to tell the resident that it is not needed and was not stored, once.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.speech import say
from actions.tracker_facts import has_entity, message_id


def warn_if_rrn(dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
    """Say the RRN warning if the latest message carried one and it was not said yet.

    Returns:
        The slot change that remembers the warning was given for this message (or nothing).
    """
    if not has_entity(tracker, "pii_rrn"):
        return {}
    mid = message_id(tracker)
    if tracker.get_slot("pii_warned_for") == mid:
        return {}
    say(dispatcher, tracker, "utter_pii_warning")
    return {"pii_warned_for": mid}
