"""Validation actions that order their form's slots per request and call the backend between.

Each form lists in the domain every slot it may ask for; a subclass says, from the tracker,
which of them this request needs and in which order (`steps`), and which backend calls run as
soon as their inputs are there (`automatic_steps`: send the SMS code, verify it, check delivery
eligibility, place the order). A backend that is away never loses the resident's answers: the
step is marked pending and the form asks `backend_retry` ("again") before anything else.

A message is read by its meaning while a question is open (actions/answer_reading.py): a value
that answers it is the answer whatever intent the classifier saw; only a real question, a
request for a person or a change of subject is handed to the rules (the form rejects the turn,
a rule answers, the form asks again). A clear wish to stop is confirmed when the request is half
done; an unsure reply gets help with the question. Every turn a question stays unanswered counts
(digressions included): after two the resident hears what the question accepts and is offered a
person, after three a person takes over, so no question is ever asked a third time the same way.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from typing import Any, Final

from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecutionRejected, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT, FormValidationAction
from rasa_sdk.types import DomainDict

from actions import asking
from actions.answer_reading import (
    is_clear_stop,
    is_plain_question,
    is_unsure,
    says_a_choice,
    yes_or_no,
)
from actions.backend_client import BackendUnavailable
from actions.lexicon import get_lexicon
from actions.pii_notice import warn_if_rrn
from actions.request_reset import reset_request
from actions.speech import say
from actions.tracker_facts import latest_intent, latest_text

logger = logging.getLogger(__name__)

# After this many unanswered turns at one question, the resident hears what it accepts (in
# words) and is offered a person; after HANDOFF_AFTER_TRIES a person takes over.
OPTIONS_AFTER_TRIES: Final = 2
HANDOFF_AFTER_TRIES: Final = 3
# Kept for callers that read the old name: the try that ends the question.
MAX_TRIES_PER_SLOT: Final = HANDOFF_AFTER_TRIES

# Questions about the service, answered by a rule; a way of receipt named in one counts as the
# answer only when the message also states a choice ("by the kiosk, I will").
FAQ_INTENTS: Final = frozenset(
    {
        "ask_kiosk",
        "ask_fee",
        "ask_hours",
        "ask_online",
        "ask_delivery_eligibility",
        "ask_requirements",
        "help",
    }
)
# Turns a rule answers before the question comes again (a change of subject, small talk).
RULE_INTENTS: Final = frozenset(
    {*FAQ_INTENTS, "greet", "thank", "out_of_scope", "check_status", "request_bulk_issuance"}
)
# Leaving: only with a clear wish in words (actions/answer_words.yml stop_words).
LEAVE_INTENTS: Final = frozenset({"stop", "cancel_request", "goodbye"})
PERSON_INTENT: Final = "human_handoff"
# Kept for callers that read the old name.
DIGRESSION_INTENTS: Final = frozenset({*RULE_INTENTS, *LEAVE_INTENTS, PERSON_INTENT})

# Slots the resident never answers: set by automatic steps, so never asked.
AUTOMATIC_SLOTS: Final = frozenset({"placed_order_id", "bulk_reservation", "lookup_result"})
# The question "shall I drop the request?", asked by any form before a half-done request is dropped.
STOP_SLOT: Final = "stop_confirmed"
# Slots the resident gives; one of them filled makes a request "half done".
GIVEN_SLOTS: Final = (
    "document",
    "copies",
    "method",
    "person_name",
    "birth_date",
    "phone_number",
    "business_number",
    "order_id",
)
# Bookkeeping slots: set on many turns, never an answer.
_BOOKKEEPING: Final = frozenset(
    {REQUESTED_SLOT, "retry_counts", "backend_retry", "backend_pending", "backend_problem"}
)
# Questions whose asking action (not in the dialogue's files) cannot offer the options itself.
_ASKED_WITHOUT_OPTIONS: Final = frozenset(
    {
        ("bulk_form", "business_code"),
        ("bulk_form", "document"),
        ("bulk_form", "copies"),
        ("bulk_form", "bulk_confirmed"),
    }
)

Step = Callable[[CollectingDispatcher, Tracker], Awaitable[dict[str, Any]]]


def pending(step: str, problem: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return the slot changes that park a backend step until the resident says "again"."""
    return {"backend_pending": step, "backend_problem": problem or {"code": "unavailable"}}


def tries_at(tracker: Tracker, slot: str | None) -> int:
    """Return how many turns the question `slot` has stayed unanswered so far."""
    if not slot:
        return 0
    return int((tracker.get_slot("retry_counts") or {}).get(slot, 0))


def count_try(tracker: Tracker, slot: str) -> dict[str, Any]:
    """Return the slot change that counts one more unanswered turn at `slot`."""
    counts = dict(tracker.get_slot("retry_counts") or {})
    counts[slot] = int(counts.get(slot, 0)) + 1
    tracker.slots["retry_counts"] = counts
    return {"retry_counts": counts}


def invalid(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    slot: str,
    response: str,
    **values: Any,
) -> dict[str, Any]:
    """Reject a value: count the try and say why (the first time; later the options are said).

    Returns:
        The slot changes: the slot emptied (so it is asked again) and the updated counts.
    """
    counts = count_try(tracker, slot)
    if counts["retry_counts"][slot] < OPTIONS_AFTER_TRIES:
        say(dispatcher, tracker, response, **values)
    return {slot: None, **counts}


def valid(tracker: Tracker, slot: str, value: Any) -> dict[str, Any]:
    """Accept a value, forgetting earlier failed tries at this slot."""
    counts = dict(tracker.get_slot("retry_counts") or {})
    if counts.pop(slot, None) is None:
        return {slot: value}
    tracker.slots["retry_counts"] = counts
    return {slot: value, "retry_counts": counts}


def is_answer_turn(tracker: Tracker) -> bool:
    """Return whether the latest message may be read as an answer to the form's question.

    Not when it asks for a person or plainly asks something; a question intent (kiosk, fee, ...)
    naming a value counts only when the message states a choice ("by the kiosk, I will").
    """
    intent = latest_intent(tracker)
    text = latest_text(tracker)
    if intent == PERSON_INTENT or is_plain_question(text):
        return False
    if intent in FAQ_INTENTS:
        return says_a_choice(text)
    return True


def rejected_this_turn(tracker: Tracker, form: str) -> bool:
    """Return whether the form handed this turn to a rule (it now runs again to ask)."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "action_execution_rejected" and event.get("name") == form:
            return True
    return False


def ran_since_user(tracker: Tracker, action: str) -> bool:
    """Return whether `action` already ran after the latest user message."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "action" and event.get("name") == action:
            return True
    return False


def is_half_done(tracker: Tracker) -> bool:
    """Return whether the resident has already given something for this request."""
    return any(tracker.get_slot(slot) is not None for slot in GIVEN_SLOTS)


def stopped(dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
    """Say the request is dropped and return the changes that forget it and end the form."""
    say(dispatcher, tracker, "utter_request_stopped")
    logger.info("request_stopped")
    changes: dict[str, Any] = {e["name"]: e["value"] for e in reset_request()}
    changes[STOP_SLOT] = None
    changes[REQUESTED_SLOT] = None
    return changes


class StepwiseFormValidation(FormValidationAction, ABC):
    """A form validation action whose next question depends on the request so far."""

    @abstractmethod
    def steps(self, tracker: Tracker) -> list[str]:
        """Return, in order, the slots this request needs."""

    def automatic_steps(self) -> list[Step]:
        """Return the backend calls to try, in order, once their inputs are filled."""
        return []

    async def before_extraction(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, open_slot: str | None
    ) -> dict[str, Any] | None:
        """Handle a turn that is neither a value nor a question (e.g. "the SMS did not come").

        Returns:
            The slot changes when the turn was handled this way, else None.
        """
        return None

    async def on_followup(self, tracker: Tracker) -> dict[str, Any]:
        """Return slot changes when another action restarted the form in the same turn."""
        return {}

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Read the turn by meaning, validate, run the automatic steps, choose the question."""
        open_slot = tracker.get_slot(REQUESTED_SLOT)
        if rejected_this_turn(tracker, self.form_name()):
            # A rule answered the question in between: only ask again (or offer a person).
            return await self._finish(dispatcher, tracker, {}, open_slot, domain)
        if ran_since_user(tracker, f"action_submit_{self.form_name().removesuffix('_form')}"):
            changes = await self.on_followup(tracker)
            tracker.slots.update(changes)
            changes.update(await self._run_automatic_steps(dispatcher, tracker))
            return await self._finish(dispatcher, tracker, changes, None, domain)

        warned = dict(warn_if_rrn(dispatcher, tracker))
        changes: dict[str, Any] = dict(warned)
        if open_slot == STOP_SLOT:
            decided = self._read_stop_answer(dispatcher, tracker)
            if decided is not None:
                changes.update(decided)
                if decided.get(REQUESTED_SLOT, "") is None:
                    return [SlotSet(k, v) for k, v in changes.items()]
                return await self._finish(dispatcher, tracker, changes, None, domain)
            # Neither yes nor no: the stop question is dropped and the message read as usual.
            changes[STOP_SLOT] = None
            tracker.slots[REQUESTED_SLOT] = None
            open_slot = self._next_slot(tracker)
            tracker.slots[REQUESTED_SLOT] = open_slot

        intent = latest_intent(tracker)
        text = latest_text(tracker)
        if intent == PERSON_INTENT:
            return self._reject(changes)

        handled = await self.before_extraction(dispatcher, tracker, open_slot)
        if handled is not None:
            changes.update(handled)
            changes.update(await self._run_automatic_steps(dispatcher, tracker))
            return await self._finish(dispatcher, tracker, changes, None, domain)

        said_before = len(dispatcher.messages)
        answered = await self._extract_and_validate(dispatcher, tracker, domain, changes)
        # A message that only carried an RRN got its warning; that is no failed try.
        if not answered and not warned and open_slot and open_slot not in AUTOMATIC_SLOTS:
            unsure = is_unsure(text) and intent not in FAQ_INTENTS - {"help"}
            if intent in RULE_INTENTS and not unsure:
                # A real question or a change of subject: a rule answers it, then we ask again.
                changes.update(count_try(tracker, open_slot))
                return self._reject(changes)
            # A button's payload ("/stop") is as clear as words.
            clear = is_clear_stop(text) or text.startswith("/")
            if intent in LEAVE_INTENTS and clear and not unsure:
                if not is_half_done(tracker):
                    changes.update(stopped(dispatcher, tracker))
                    return [SlotSet(k, v) for k, v in changes.items()]
                changes[STOP_SLOT] = None  # a slot event of its own, so Rasa keeps the form
                changes[REQUESTED_SLOT] = STOP_SLOT
                events = [SlotSet(k, v) for k, v in changes.items()]
                return [*events, *await self._ask(dispatcher, tracker, domain, STOP_SLOT, events)]
            changes.update(count_try(tracker, open_slot))
            if tries_at(tracker, open_slot) < OPTIONS_AFTER_TRIES:
                if unsure:
                    say(dispatcher, tracker, self.unsure_help(open_slot))
                elif len(dispatcher.messages) == said_before:
                    say(dispatcher, tracker, "utter_not_an_answer")

        changes.update(await self._run_automatic_steps(dispatcher, tracker))
        return await self._finish(dispatcher, tracker, changes, open_slot, domain)

    def unsure_help(self, slot: str) -> str:
        """Return the response that helps with one question when the resident is unsure."""
        return UNSURE_HELP.get(slot, "utter_unsure_generic")

    async def _extract_and_validate(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        changes: dict[str, Any],
    ) -> bool:
        """Extract and validate; return whether the message gave any value of the form."""
        form_slots = set(self.domain_slots(domain)) - _BOOKKEEPING - AUTOMATIC_SLOTS
        picked = self._entities_for_form(tracker, domain)
        tracker.add_slots([SlotSet(k, v) for k, v in picked.items()])
        changes.update(picked)
        extraction = await self.get_extraction_events(dispatcher, tracker, domain)
        tracker.add_slots(extraction)
        # What the message gave (the domain's mappings, the entities read above, the custom
        # extractions): an answer even when validation then refuses it (that try is counted).
        given = {k for k, v in tracker.slots_to_validate().items() if v is not None}
        validation = await self.get_validation_events(dispatcher, tracker, domain)
        tracker.add_slots(validation)
        for event in [*extraction, *validation]:
            changes[event["name"]] = event["value"]
        return bool(given & form_slots)

    def _entities_for_form(self, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        """Values the NLU found for this form's slots, read even under a question intent.

        The domain's mappings skip question intents (a fee question naming a document must not
        fill a request nobody started); inside a form, a message that answers is the answer.
        """
        if not is_answer_turn(tracker):
            return {}
        given = tracker.slots_to_validate()
        picked: dict[str, Any] = {}
        for slot in self.domain_slots(domain):
            value = next(tracker.get_latest_entity_values(slot), None)
            if value is not None and slot not in AUTOMATIC_SLOTS and slot not in given:
                picked[slot] = value
        return picked

    def _read_stop_answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> dict[str, Any] | None:
        """Read the answer to "shall I drop the request?"; None means carry on with this message."""
        intent = latest_intent(tracker)
        text = latest_text(tracker)
        answer = yes_or_no(text)
        leave = intent in LEAVE_INTENTS and (is_clear_stop(text) or text.startswith("/"))
        if intent == "affirm" or answer is True or leave:
            return stopped(dispatcher, tracker)
        if intent == "deny" or answer is False:
            say(dispatcher, tracker, "utter_request_continues")
            tracker.slots[REQUESTED_SLOT] = None
            return {STOP_SLOT: None}
        return None

    def _reject(self, changes: dict[str, Any]) -> list[EventType]:
        """Hand the turn to the rules (they answer, then the form asks again)."""
        events: list[EventType] = [SlotSet(k, v) for k, v in changes.items()]
        events.append(ActionExecutionRejected(self.form_name()))
        return events

    async def _ask(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        slot: str,
        events: list[EventType],
    ) -> list[EventType]:
        """Ask `slot` in this call (Rasa finds no ask action in the domain: actions/asking.py)."""
        return await asking.ask(dispatcher, tracker, domain, self.form_name(), slot, events)

    async def _finish(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        changes: dict[str, Any],
        open_slot: str | None,
        domain: DomainDict,
    ) -> list[EventType]:
        """Choose the next question and ask it; past the try budget, offer options or hand over."""
        next_slot = self._next_slot(tracker)
        events: list[EventType] = [SlotSet(name, value) for name, value in changes.items()]
        tries = tries_at(tracker, next_slot)
        if next_slot and tries >= HANDOFF_AFTER_TRIES:
            logger.info("slot_retries_exhausted", extra={"slot": next_slot})
            say(dispatcher, tracker, "utter_handing_over")
            events.append(SlotSet(REQUESTED_SLOT, None))
            events.append(FollowupAction("action_handoff"))
            return events
        if (
            next_slot
            and tries >= OPTIONS_AFTER_TRIES
            and (self.form_name(), next_slot) in _ASKED_WITHOUT_OPTIONS
        ):
            say(dispatcher, tracker, OPTIONS.get(next_slot, "utter_too_many_retries"))
        logger.info(
            "form_step",
            extra={"form": self.form_name(), "next_slot": next_slot or "done"},
        )
        events.append(SlotSet(REQUESTED_SLOT, next_slot))
        if next_slot:
            events.extend(await self._ask(dispatcher, tracker, domain, next_slot, events))
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
        if get_lexicon().is_retry(latest_text(tracker)) or yes_or_no(latest_text(tracker)):
            return {"backend_retry": True}
        return {}

    async def validate_backend_retry(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Unpark the pending step; the automatic steps then try it again."""
        if value:
            return {"backend_retry": None, "backend_pending": None, "backend_problem": None}
        return {"backend_retry": None}


# What each question accepts, said in words after two unanswered turns (with a person offered).
OPTIONS: Final = {
    "document": "utter_options_document",
    "copies": "utter_options_copies",
    "method": "utter_options_method",
    "order_confirmed": "utter_options_yes_no",
    "cancel_confirmed": "utter_options_yes_no",
    "bulk_confirmed": "utter_options_yes_no",
    "stop_confirmed": "utter_options_yes_no",
    "person_name": "utter_options_person_name",
    "birth_date": "utter_options_birth_date",
    "phone_number": "utter_options_phone_number",
    "otp_code": "utter_options_otp_code",
    "order_id": "utter_options_order_id",
    "business_number": "utter_options_business_number",
    "backend_retry": "utter_options_backend_retry",
}

# Help with one question when the resident is unsure.
UNSURE_HELP: Final = {
    "document": "utter_unsure_document",
    "copies": "utter_unsure_copies",
    "method": "utter_unsure_method",
    "order_id": "utter_unsure_order_id",
}
