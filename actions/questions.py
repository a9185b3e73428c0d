"""The forms' plain questions: `action_ask_<slot>` says `utter_ask_<slot>` from the catalog.

Rasa's form asks a slot with `action_ask_<slot>` when the domain lists one, else with the domain
response `utter_ask_<slot>`. The questions live in actions/responses.yml (see actions/speech.py),
so each slot whose question needs no data gets this small action; questions built from data
(`action_ask_bulk_form_copies`, `action_ask_order_confirmed`, ...) sit with their forms.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.speech import say


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
        say(dispatcher, tracker, f"utter_ask_{self.slot}")
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
