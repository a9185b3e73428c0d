"""Handing the conversation to staff: a ticket in the backend, then the bot pauses.

While paused, Rasa still records every message but predicts nothing, so the bot stays silent
until staff resume the conversation (protocols.md §3.6). Outside staff hours nobody would answer
that silence: the resident is told when a person will answer, and the bot keeps serving
self-service requests meanwhile (the ticket waits in the staff queue).
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ConversationPaused, EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answer_reading import get_words
from actions.backend_client import BackendError, get_client
from actions.lexicon import get_lexicon
from actions.pii_notice import warn_if_rrn
from actions.request_reset import reset_request
from actions.speech import say
from actions.tracker_facts import consecutive_fallbacks, latest_intent

logger = logging.getLogger(__name__)

SEOUL = ZoneInfo("Asia/Seoul")
_DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def handoff_reason(tracker: Tracker) -> str:
    """Why a person is needed, as a code for the staff queue."""
    if consecutive_fallbacks(tracker) >= 2:
        return "not_understood"
    counts = tracker.get_slot("retry_counts") or {}
    if any(int(v) for v in counts.values()):
        return "input_trouble"
    return "asked_for_person" if latest_intent(tracker) == "human_handoff" else "other"


def handoff_summary(tracker: Tracker) -> str:
    """A summary for staff without personal data: what was being done, not who."""
    parts = [f"last_intent={latest_intent(tracker)}"]
    for slot in ("document", "copies", "method", "lookup_purpose"):
        value = tracker.get_slot(slot)
        if value:
            parts.append(f"{slot}={value}")
    if tracker.get_slot("identity_token"):
        parts.append("identity=confirmed")
    return "; ".join(parts)


def staff_hours_words(hours: Any) -> str:
    """Say the staff hours the backend returned: first~last day names, then "09:00~18:00"."""
    if isinstance(hours, str):
        return hours
    if not isinstance(hours, dict):
        return ""
    names = get_lexicon().words["staff_days"]
    days = [names.get(d, d) for d in hours.get("days") or []]
    day_words = f"{days[0]}~{days[-1]}" if len(days) > 1 else "".join(days)
    clock = str(hours.get("weekdays") or "").replace("-", "~")
    return f"{day_words} {clock}".strip()


def next_staff_opening(hours: dict[str, Any], now: datetime) -> datetime | None:
    """Return when staff hours next begin after `now` (Seoul time), or None if unknown.

    Public holidays are the backend's to know; a holiday tomorrow makes this a day early.
    """
    days = set(hours.get("days") or [])
    window = str(hours.get("weekdays") or "")
    try:
        opens = time.fromisoformat(window.split("-")[0].strip())
    except ValueError:
        return None
    local = now.astimezone(SEOUL)
    for ahead in range(8):
        day = local.date() + timedelta(days=ahead)
        start = datetime.combine(day, opens, tzinfo=SEOUL)
        if _DAY_KEYS[day.weekday()] in days and start > local:
            return start
    return None


def opening_words(start: datetime, today: date) -> str:
    """Say a staff opening time: tomorrow 9 a.m., Monday 9:30 a.m. (words from answer_words.yml)."""
    words = get_words().words
    ahead = (start.date() - today).days
    if ahead == 0:
        day = words["today"]
    elif ahead == 1:
        day = words["tomorrow"]
    else:
        names = get_lexicon().words["staff_days"]
        day = f"{names[_DAY_KEYS[start.weekday()]]}{words['weekday_suffix']}"
    half = words["morning"] if start.hour < 12 else words["afternoon"]
    hour = start.hour if start.hour <= 12 else start.hour - 12
    clock = f"{half} {hour}{words['hour_word']}"
    if start.minute == 30:
        clock += f" {words['half_hour_word']}"
    elif start.minute:
        clock = f"{half} {start:%H:%M}"
    return f"{day} {clock}"


class ActionHandoff(Action):
    """Opens a handoff ticket, tells the resident what happens next, and pauses the bot."""

    def name(self) -> str:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        warn_if_rrn(dispatcher, tracker)
        try:
            ticket = await get_client().open_handoff_ticket(
                conversation_id=tracker.sender_id,
                channel=tracker.get_latest_input_channel() or "rest",
                sender_id=tracker.sender_id,
                reason=handoff_reason(tracker),
                summary=handoff_summary(tracker),
            )
        except BackendError:
            say(dispatcher, tracker, "utter_handoff_unavailable")
            return []
        logger.info("handoff_opened", extra={"ticket_id": ticket.get("ticket_id")})
        hours = ticket.get("staff_hours") or {}
        is_open = not isinstance(hours, dict) or hours.get("is_open_now", True)
        if is_open:
            say(
                dispatcher,
                tracker,
                "utter_handoff_opened",
                ticket_id=ticket.get("ticket_id", ""),
                staff_hours=staff_hours_words(hours),
            )
            return [*reset_request(), ConversationPaused()]
        now = datetime.now(SEOUL)
        opening = next_staff_opening(hours, now)
        say(
            dispatcher,
            tracker,
            "utter_handoff_after_hours_serving",
            ticket_id=ticket.get("ticket_id", ""),
            staff_hours=staff_hours_words(hours),
            next_opening=(
                opening_words(opening, now.date()) if opening else staff_hours_words(hours)
            ),
        )
        logger.info("handoff_after_hours", extra={"ticket_id": ticket.get("ticket_id")})
        return reset_request()
