"""Answers to questions about the district's services, built from its data (not fixed text).

One action answers every `ask_*` intent; the figures (hours, fees, free documents, who may
have documents delivered) come from the district facts, the sentences from actions/responses.yml.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.district import District, get_district
from actions.formatting import krw
from actions.lexicon import get_lexicon
from actions.pii_notice import warn_if_rrn
from actions.speech import say
from actions.tracker_facts import latest_entity, latest_intent

_FEE_METHODS = ("counter", "kiosk", "online")


def fee_lines(district: District, document: str) -> str:
    """Return each way's fee for one copy of a document ("counter 400 won, kiosk free, ...")."""
    lexicon = get_lexicon()
    words = lexicon.words
    parts = []
    for method in _FEE_METHODS:
        fee = district.fees_krw.get(document, {}).get(method)
        if fee is None:
            continue
        if method == "kiosk" and document in district.kiosk_free_documents:
            fee = 0
        amount = words["free"] if fee == 0 else f"{krw(fee)}{words['won']}"
        parts.append(f"{lexicon.method_labels[method]} {amount}")
    return lexicon.join(parts)


def answer(intent: str, district: District, document: str | None) -> tuple[str, dict[str, Any]]:
    """Return the response and its variables for a question intent."""
    if intent == "ask_kiosk":
        return "utter_kiosk_info", {
            "dong_count": len(district.dongs),
            "kiosk_hours": _hours_words(district.kiosk_hours),
            "document_types": district.kiosk_document_types,
            "free_documents": district.names_of(district.kiosk_free_documents),
        }
    if intent == "ask_fee":
        if document and district.is_known_document(document):
            return "utter_fee_document", {
                "document_name": district.name_of(document),
                "fee_lines": fee_lines(district, document),
            }
        return "utter_fee_general", {
            "free_documents": district.names_of(district.kiosk_free_documents)
        }
    if intent == "ask_hours":
        response = "utter_hours_info_lunch_closed" if district.lunch_closure else "utter_hours_info"
        return response, {
            "counter_hours": district.counter_hours.replace("-", "~"),
            "lunch_hours": district.lunch_hours.replace("-", "~"),
            "kiosk_hours": _hours_words(district.kiosk_hours),
        }
    if intent == "ask_online":
        not_online = [d for d, fees in district.fees_krw.items() if "online" not in fees]
        return "utter_online_info", {
            "online_url": district.online_url,
            "not_online_documents": district.names_of(not_online),
        }
    if intent == "ask_delivery_eligibility":
        return "utter_delivery_eligibility_info", {
            "eligible_groups": district.eligible_groups(),
            "deliver_within_hours": district.deliver_within_hours,
            "delivery_documents": district.names_of(district.delivery_documents),
        }
    return "utter_requirements", {}


def _hours_words(hours: str) -> str:
    """Say "00:00-24:00" as the word for 24 hours; other ranges as "06:00~23:00"."""
    if hours.replace(" ", "") in {"00:00-24:00", "0:00-24:00"}:
        return str(get_lexicon().words["hours_24"])
    return hours.replace("-", "~")


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
        response, values = answer(latest_intent(tracker) or "", district, document)
        say(dispatcher, tracker, response, **values)
        return [SlotSet(k, v) for k, v in warned.items()]
