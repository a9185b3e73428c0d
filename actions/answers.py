"""Answers to questions about the district's services, built from its data (not fixed text).

One action answers every `ask_*` intent; the figures (hours, fees, free documents, who may
have documents delivered) come from the district facts, the sentences from actions/responses.yml.
The rules every sentence may state (hours in words, free documents, limits) are filled in by
actions/speech.py from `actions.district.sentence_values`; an answer adds only what depends on
the question (the document asked about, its fees).
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backend_client import BackendError, get_client
from actions.district import District, get_district
from actions.formatting import fee_text
from actions.lexicon import get_lexicon
from actions.pii_notice import warn_if_rrn
from actions.speech import say
from actions.tracker_facts import latest_entity, latest_intent

_FEE_METHODS = ("counter", "kiosk", "online")


def fee_lines(district: District, document: str, delivery_fee_krw: int | None = None) -> str:
    """Return each way's fee for one copy of a document ("counter 400 won, kiosk free, ...").

    `delivery_fee_krw` is the backend's quote for delivery (None: not deliverable or unknown).
    """
    lexicon = get_lexicon()
    parts = []
    for method in _FEE_METHODS:
        fee = district.fees_krw.get(document, {}).get(method)
        if fee is None:
            continue
        if method == "kiosk" and document in district.kiosk_free_documents:
            fee = 0
        parts.append(f"{lexicon.method_labels[method]} {fee_text(fee)}")
    if delivery_fee_krw is not None:
        parts.append(f"{lexicon.method_labels['delivery']} {fee_text(delivery_fee_krw)}")
    return lexicon.join(parts)


def answer(
    intent: str, district: District, document: str | None, delivery_fee_krw: int | None = None
) -> tuple[str, dict[str, Any]]:
    """Return the response and its variables for a question intent."""
    if intent == "ask_kiosk":
        return "utter_kiosk_info", {}
    if intent == "ask_fee":
        if document and district.is_known_document(document):
            return "utter_fee_document", {
                "document_name": district.name_of(document),
                "fee_lines": fee_lines(district, document, delivery_fee_krw),
            }
        return "utter_fee_general", {}
    if intent == "ask_hours":
        response = "utter_hours_info_lunch_closed" if district.lunch_closure else "utter_hours_info"
        return response, {}
    if intent == "ask_online":
        not_online = [d for d, fees in district.fees_krw.items() if "online" not in fees]
        return "utter_online_info", {"not_online_documents": district.names_of(not_online)}
    if intent == "ask_delivery_eligibility":
        return "utter_delivery_eligibility_info", {}
    return "utter_requirements", {}


async def delivery_fee(district: District, document: str | None) -> int | None:
    """Return the backend's fee for delivering one copy, or None (not deliverable, or away)."""
    if not document or not district.is_available(document, "delivery"):
        return None
    try:
        quote = await get_client().quote_fee(document=document, method="delivery", copies=1)
    except BackendError:
        return None
    return int(quote["fee_krw"])


class ActionAnswerQuestion(Action):
    """Answers kiosk, fee, hours, online, delivery-eligibility and requirements questions."""

    def name(self) -> str:
        return "action_answer_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        warned = warn_if_rrn(dispatcher, tracker)
        district = await get_district()
        document = latest_entity(tracker, "document") or tracker.get_slot("document")
        intent = latest_intent(tracker) or ""
        fee = await delivery_fee(district, document) if intent == "ask_fee" else None
        response, values = answer(intent, district, document, fee)
        say(dispatcher, tracker, response, **values)
        return [SlotSet(k, v) for k, v in warned.items()]
