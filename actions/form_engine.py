"""Validation actions that order their form's slots per request and call the backend between.

Each form lists in the domain every slot it may ask for; a subclass says, from the tracker,
which of them this request needs and in which order (`steps`), and which backend calls run as
soon as their inputs are there (`automatic_steps`: send the SMS code, verify it, check delivery
eligibility, place the order). A backend that is away never loses the resident's answers: the
step is marked pending and the form asks `backend_retry` ("again") before anything else.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from typing import Any, Final

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT, FormValidationAction
from rasa_sdk.types import DomainDict

from actions.backend_client import BackendUnavailable
from actions.lexicon import get_lexicon
from actions.pii_notice import warn_if_rrn
from actions.speech import say
from actions.tracker_facts import latest_intent, latest_text

logger = logging.getLogger(__name__)

# A resident gets this many tries per question before a person is offered.
MAX_TRIES_PER_SLOT: Final = 3

# Intents that ask something instead of answering; free text is never read as an answer then.
# A message the NLU could not classify (nlu_fallback) may still be a bare answer (a name).
DIGRESSION_INTENTS: Final = frozenset(
    {
        "greet",
        "goodbye",
        "thank",
        "help",
        "ask_kiosk",
        "ask_fee",
        "ask_hours",
        "ask_online",
        "ask_delivery_eligibility",
        "ask_requirements",
        "human_handoff",
        "out_of_scope",
        "stop",
        "cancel_request",
        "check_status",
    }
)

# Slots the resident never answers: set by automatic steps, so never asked.
AUTOMATIC_SLOTS: Final = frozenset({"placed_order_id", "bulk_reservation", "lookup_result"})

Step = Callable[[CollectingDispatcher, Tracker], Awaitable[dict[str, Any]]]


def pending(step: str, problem: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return the slot changes that park a backend step until the resident says "again"."""
    return {"backend_pending": step, "backend_problem": problem or {"code": "unavailable"}}


def invalid(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    slot: str,
    response: str,
    **values: Any,
) -> dict[str, Any]:
    """Reject a value: say why, count the try, and offer a person after too many.

    Returns:
        The slot changes: the slot emptied (so it is asked again) and the updated counts.
    """
    counts = dict(tracker.get_slot("retry_counts") or {})
    counts[slot] = int(counts.get(slot, 0)) + 1
    if counts[slot] >= MAX_TRIES_PER_SLOT:
        say(dispatcher, tracker, "utter_too_many_retries")
        counts[slot] = 0
        logger.info("slot_retries_exhausted", extra={"slot": slot})
    else:
        say(dispatcher, tracker, response, **values)
    return {slot: None, "retry_counts": counts}


def valid(tracker: Tracker, slot: str, value: Any) -> dict[str, Any]:
    """Accept a value, forgetting earlier failed tries at this slot."""
    counts = dict(tracker.get_slot("retry_counts") or {})
    if counts.pop(slot, None) is None:
        return {slot: value}
    return {slot: value, "retry_counts": counts}


def is_answer_turn(tracker: Tracker) -> bool:
    """Return whether the latest message may be read as an answer to the form's question."""
    return latest_intent(tracker) not in DIGRESSION_INTENTS


class StepwiseFormValidation(FormValidationAction, ABC):
    """A form validation action whose next question depends on the request so far."""

    @abstractmethod
    def steps(self, tracker: Tracker) -> list[str]:
        """Return, in order, the slots this request needs."""

    def automatic_steps(self) -> list[Step]:
        """Return the backend calls to try, in order, once their inputs are filled."""
        return []

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Extract, validate, run the automatic steps, then choose the next question."""
        changes: dict[str, Any] = dict(warn_if_rrn(dispatcher, tracker))

        extraction = await self.get_extraction_events(dispatcher, tracker, domain)
        tracker.add_slots(extraction)
        validation = await self.get_validation_events(dispatcher, tracker, domain)
        tracker.add_slots(validation)
        for event in [*extraction, *validation]:
            changes[event["name"]] = event["value"]

        changes.update(await self._run_automatic_steps(dispatcher, tracker))

        next_slot = self._next_slot(tracker)
        logger.info(
            "form_step",
            extra={"form": self.form_name(), "next_slot": next_slot or "done"},
        )
        events: list[EventType] = [SlotSet(name, value) for name, value in changes.items()]
        events.append(SlotSet(REQUESTED_SLOT, next_slot))
        return events

    async def _run_automatic_steps(
        self, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> dict[str, Any]:
        changes: dict[str, Any] = {}
        # A step may undo another's input (an expired code clears the challenge, which the
        # first step then renews), so go round until nothing changes; three rounds suffice.
        for _ in range(3):
            changed = False
            for step in self.automatic_steps():
                if tracker.get_slot("backend_pending"):
                    return changes
                try:
                    result = await step(dispatcher, tracker)
                except BackendUnavailable:
                    result = pending(step.__name__)
                if result:
                    changed = True
                    changes.update(result)
                    tracker.slots.update(result)
            if not changed:
                break
        return changes

    def _next_slot(self, tracker: Tracker) -> str | None:
        if tracker.get_slot("backend_pending"):
            return "backend_retry"
        steps = self.steps(tracker)
        if any(tracker.get_slot(s) is not None for s in steps if s in AUTOMATIC_SLOTS):
            return None  # the outcome is there (made, refused, declined): nothing more to ask
        for slot in steps:
            if tracker.get_slot(slot) is None:
                if slot in AUTOMATIC_SLOTS:
                    # Its step could not run yet (e.g. the request was refused); end the form
                    # rather than wait for an answer nobody was asked for.
                    logger.info("form_step_blocked", extra={"slot": slot})
                    return None
                return slot
        return None

    # --- backend retry (shared by every form) --------------------------------------------------

    async def extract_backend_retry(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Read "again" typed instead of pressing the retry button (whatever the NLU made of it)."""
        if tracker.get_slot(REQUESTED_SLOT) != "backend_retry":
            return {}
        if get_lexicon().is_retry(latest_text(tracker)):
            return {"backend_retry": True}
        return {}

    async def validate_backend_retry(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Unpark the pending step; the automatic steps then try it again."""
        if value:
            return {"backend_retry": None, "backend_pending": None, "backend_problem": None}
        return {"backend_retry": None}
