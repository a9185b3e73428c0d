"""The forms' plain questions: `action_ask_<slot>` says `utter_ask_<slot>` from the catalog.

The validation action asks its form's next slot with the action Rasa would look up,
`action_ask_<form>_<slot>` or `action_ask_<slot>`, in the same action-server call
(actions/asking.py; the domain lists none, so Rasa makes no second call). The questions live in
actions/responses.yml (see actions/speech.py), so each slot whose question needs no data gets this
small action; questions built from data (`action_ask_bulk_form_copies`,
`action_ask_order_confirmed`, ...) sit with their forms.

After two unanswered turns a question is not asked the same way again: the resident hears what
it accepts, in words, and is offered a person (`ask_or_offer`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.district import get_district
from actions.form_engine import OPTIONS, OPTIONS_AFTER_TRIES, tries_at
from actions.lexicon import get_lexicon
from actions.speech import say

# The most copies one order may have; the backend enforces its own limit too
# (copies_out_of_range).
MAX_COPIES = 10


async def options_values(tracker: Tracker) -> dict[str, Any]:
    """Variables of the "what I can accept" sentences, from the district's data."""
    district = await get_district()
    lexicon = get_lexicon()
    document = tracker.get_slot("document")
    methods = [
        m
        for m in ("kiosk", "counter", "online", "delivery")
        if not document or district.is_available(document, m)
    ]
    return {
        "document_names": district.names_of(list(district.fees_krw)),
        "max_copies": MAX_COPIES,
        "method_labels": lexicon.join([lexicon.method_labels[m] for m in methods]),
    }


async def offered_options(dispatcher: CollectingDispatcher, tracker: Tracker, slot: str) -> bool:
    """After two unanswered turns at `slot`, say what it accepts (and offer a person).

    Returns:
        Whether the options were said (then the question itself is not asked again).
    """
    if tries_at(tracker, slot) < OPTIONS_AFTER_TRIES:
        return False
    options = OPTIONS.get(slot, "utter_too_many_retries")
    say(dispatcher, tracker, options, **(await options_values(tracker)))
    return True


async def ask_or_offer(
    dispatcher: CollectingDispatcher, tracker: Tracker, slot: str, ask: str, **values: Any
) -> bool:
    """Ask `slot` with `ask`, or, after two unanswered turns, say what it accepts.

    Returns:
        True when the question itself was asked, False when the options were said instead.
    """
    if await offered_options(dispatcher, tracker, slot):
        return False
    say(dispatcher, tracker, ask, **values)
    return True


class AskFromCatalog(Action, ABC):
    """Asks for one slot with its catalog question, variables filled from the slots."""

    @property
    @abstractmethod
    def slot(self) -> str:
        """The slot this action asks for."""

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        await ask_or_offer(dispatcher, tracker, self.slot, f"utter_ask_{self.slot}")
        return []


class ActionAskDocument(AskFromCatalog):
    slot = "document"


class ActionAskCopies(AskFromCatalog):
    slot = "copies"


class ActionAskMethod(AskFromCatalog):
    slot = "method"


class ActionAskPersonName(AskFromCatalog):
    slot = "person_name"


class ActionAskBirthDate(AskFromCatalog):
    slot = "birth_date"


class ActionAskPhoneNumber(AskFromCatalog):
    slot = "phone_number"


class ActionAskOrderId(AskFromCatalog):
    slot = "order_id"


class ActionAskBusinessNumber(AskFromCatalog):
    slot = "business_number"


class ActionAskStopConfirmed(AskFromCatalog):
    slot = "stop_confirmed"
