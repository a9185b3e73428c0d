"""The certificate request: document, copies, way of getting it, fee, identity, order.

Order of questions (decided per request in `steps`):
- kiosk / counter / online: document, copies, method, summary with the fee (confirm),
  identity, then the order is placed;
- delivery: eligibility explained when delivery is chosen, document, copies, identity, then
  the backend says whether the resident is eligible; the registered address is read back
  (masked) with the fee and the 3-hour promise (confirm), then the order is placed.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT
from rasa_sdk.types import DomainDict

from actions.answer_reading import bare_count, yes_or_no
from actions.backend_client import (
    BackendRefused,
    BackendUnavailable,
    get_client,
    idempotency_key,
)
from actions.district import District, get_district
from actions.form_engine import Step, StepwiseFormValidation, invalid, is_answer_turn, valid
from actions.formatting import deadline_time, fee_text, krw, method_label
from actions.identity import IdentitySlots, clear_identity, identity_steps, send_code, verify_code
from actions.lexicon import get_lexicon
from actions.pii_notice import warn_if_rrn
from actions.problems import utter_problem
from actions.questions import MAX_COPIES, offered_options
from actions.request_reset import reset_request
from actions.speech import say
from actions.tracker_facts import (
    entity_values,
    has_entity,
    has_valid_identity,
    latest_intent,
    latest_text,
    message_id,
    previous_slot_value,
    slots_set_since_user,
)

logger = logging.getLogger(__name__)

METHODS = ("kiosk", "counter", "online", "delivery")


def _changed(tracker: Tracker, slot: str, value: Any) -> bool:
    before = previous_slot_value(tracker, slot)
    return before is not None and before != value


def _unconfirm(tracker: Tracker) -> dict[str, Any]:
    """A changed request must be confirmed again (and gets a new order key)."""
    if tracker.get_slot("order_confirmed") is None:
        return {}
    return {"order_confirmed": None, "order_idempotency_key": None}


def delivery_intro_values(district: District) -> dict[str, Any]:
    """Variables of the delivery explanation, from the district's data."""
    return {
        "eligible_groups": district.eligible_groups(),
        "deliver_within_hours": district.deliver_within_hours,
        "delivery_documents": district.names_of(district.delivery_documents),
    }


async def check_delivery(dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
    """Ask the backend whether the confirmed resident may have documents delivered."""
    if tracker.get_slot("method") != "delivery" or tracker.get_slot("delivery_checked"):
        return {}
    if not has_valid_identity(tracker):
        return {}
    try:
        body = await get_client().get_me(identity_token=tracker.get_slot("identity_token"))
    except BackendRefused as e:
        utter_problem(dispatcher, tracker, e)
        return clear_identity() if e.code.startswith("identity_") else {"method": None}
    resident = body.get("resident", body)
    if resident.get("delivery_eligible"):
        return {
            "delivery_checked": True,
            "delivery_address_masked": resident.get("masked_address"),
        }
    district = await get_district()
    say(
        dispatcher,
        tracker,
        "utter_delivery_not_eligible",
        eligible_groups=district.eligible_groups(),
        online_url=district.online_url,
    )
    logger.info("delivery_refused", extra={"reason": "not_eligible"})
    return {"method": None, "delivery_refused": True, "order_confirmed": None}


async def place_order(dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
    """Place the confirmed order once identity is confirmed; one order per confirming message."""
    if tracker.get_slot("placed_order_id") or not has_valid_identity(tracker):
        return {}
    if tracker.get_slot("order_confirmed") is not True:
        return {}
    method = tracker.get_slot("method")
    if method == "delivery" and not tracker.get_slot("delivery_checked"):
        return {}
    key = tracker.get_slot("order_idempotency_key") or idempotency_key(
        tracker.sender_id, message_id(tracker), "order"
    )
    try:
        order = await get_client().create_order(
            identity_token=tracker.get_slot("identity_token"),
            key=key,
            conversation_id=tracker.sender_id,
            document=tracker.get_slot("document"),
            copies=int(tracker.get_slot("copies")),
            method=method,
        )
    except BackendUnavailable:
        return {
            "order_idempotency_key": key,
            "backend_pending": "place_order",
            "backend_problem": {"code": "unavailable"},
        }
    except BackendRefused as e:
        return await _order_refused(dispatcher, tracker, e)
    logger.info("order_created", extra={"order_id": order.get("order_id"), "method": method})
    return {
        "placed_order": order,
        "placed_order_id": str(order["order_id"]),
        "order_idempotency_key": key,
    }


async def _order_refused(
    dispatcher: CollectingDispatcher, tracker: Tracker, e: BackendRefused
) -> dict[str, Any]:
    district = await get_district()
    document = tracker.get_slot("document") or ""
    utter_problem(
        dispatcher,
        tracker,
        e,
        document_name=district.name_of(document),
        method_label=method_label(tracker.get_slot("method")),
        delivery_documents=district.names_of(district.delivery_documents),
        eligible_groups=district.eligible_groups(),
        online_url=district.online_url,
    )
    again = {"order_confirmed": None, "order_idempotency_key": None}
    if e.code.startswith("identity_"):
        return {**clear_identity(), "order_idempotency_key": None}
    if e.code == "unknown_document":
        return {**again, "document": None}
    if e.code == "copies_out_of_range":
        return {**again, "copies": None}
    if e.code in {"method_not_available", "document_not_deliverable"}:
        return {**again, "method": None}
    if e.code == "delivery_not_eligible":
        return {**again, "method": None, "delivery_refused": True}
    # Anything else cannot be fixed by the resident: end the form (the apology was said).
    return {"placed_order_id": "refused"}


class ValidateCertificateForm(IdentitySlots, StepwiseFormValidation):
    """Validation and flow of `certificate_form`."""

    def name(self) -> str:
        return "validate_certificate_form"

    def steps(self, tracker: Tracker) -> list[str]:
        request = ["document", "copies", "method"]
        if tracker.get_slot("method") == "delivery":
            return [*request, *identity_steps(tracker), "order_confirmed", "placed_order_id"]
        return [*request, "order_confirmed", *identity_steps(tracker), "placed_order_id"]

    def automatic_steps(self) -> list[Step]:
        return [send_code, verify_code, check_delivery, place_order]

    async def extract_method(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Map free text ("by the kiosk", "to my home") to a way of getting the document."""
        if has_entity(tracker, "method") or not is_answer_turn(tracker):
            return {}
        if tracker.get_slot(REQUESTED_SLOT) not in (None, "method"):
            return {}
        method = get_lexicon().method_in_text(latest_text(tracker))
        if method is None or method == tracker.get_slot("method"):
            return {}
        return {"method": method}

    async def extract_document(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Several documents in one message: the first now, the others queued, none dropped.

        "two copies of one and one of the other" pairs counts and documents; one count ("one each")
        goes with every document.
        """
        documents = list(dict.fromkeys(entity_values(tracker, "document")))
        if len(documents) < 2 or not is_answer_turn(tracker):
            return {}
        counts = entity_values(tracker, "copies")
        paired = len(counts) == len(documents)
        queue = [
            {
                "document": document,
                "copies": str(counts[i]) if paired else (str(counts[0]) if counts else None),
            }
            for i, document in enumerate(documents)
        ]
        district = await get_district()
        say(
            dispatcher,
            tracker,
            "utter_documents_queued",
            first_document=district.name_of(documents[0]),
            other_documents=district.names_of(documents[1:]),
        )
        first = queue.pop(0)
        result: dict[str, Any] = {"document": first["document"], "queued_documents": queue}
        if first["copies"] is not None:
            result["copies"] = first["copies"]
        return result

    async def extract_copies(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A bare count (a native count word alone, "2") answers "how many copies?"."""
        if tracker.get_slot(REQUESTED_SLOT) != "copies" or has_entity(tracker, "copies"):
            return {}
        if not is_answer_turn(tracker):
            return {}
        count = bare_count(latest_text(tracker))
        return {} if count is None else {"copies": str(count)}

    async def extract_order_confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A yes or no in any register, whatever the classifier called it."""
        if tracker.get_slot(REQUESTED_SLOT) != "order_confirmed":
            return {}
        if latest_intent(tracker) in {"affirm", "deny"} or not is_answer_turn(tracker):
            return {}
        answer = yes_or_no(latest_text(tracker))
        return {} if answer is None else {"order_confirmed": answer}

    async def on_followup(self, tracker: Tracker) -> dict[str, Any]:
        """The next queued document, right after the previous one was ordered."""
        queue = list(tracker.get_slot("queued_documents") or [])
        if not queue:
            return {}
        head = queue.pop(0)
        return {
            "document": head["document"],
            "copies": head.get("copies"),
            "queued_documents": queue or None,
        }

    async def validate_document(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Accept a catalogued document that can be had the chosen way."""
        district = await get_district()
        document = str(value or "")
        if not district.is_known_document(document):
            return invalid(dispatcher, tracker, "document", "utter_invalid_document")
        method = tracker.get_slot("method")
        if method == "delivery" and not district.is_available(document, method):
            return invalid(
                dispatcher,
                tracker,
                "document",
                "utter_document_not_deliverable",
                document_name=district.name_of(document),
                delivery_documents=district.names_of(district.delivery_documents),
            )
        result = valid(tracker, "document", document)
        if _changed(tracker, "document", document):
            result.update(_unconfirm(tracker))
        if method and not district.is_available(document, method):
            say(
                dispatcher,
                tracker,
                "utter_method_not_available",
                document_name=district.name_of(document),
                method_label=method_label(method),
            )
            result["method"] = None
        return result

    async def validate_copies(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Accept 1 to 10 copies."""
        try:
            copies = int(str(value))
        except ValueError:
            return invalid(dispatcher, tracker, "copies", "utter_invalid_copies")
        if not 1 <= copies <= MAX_COPIES:
            return invalid(dispatcher, tracker, "copies", "utter_invalid_copies")
        result = valid(tracker, "copies", str(copies))
        if _changed(tracker, "copies", str(copies)):
            result.update(_unconfirm(tracker))
        return result

    async def validate_method(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Accept a way the document can be had; explain delivery before identity."""
        method = str(value or "")
        if method not in METHODS:
            return invalid(dispatcher, tracker, "method", "utter_invalid_method")
        district = await get_district()
        if method == "delivery" and tracker.get_slot("delivery_refused"):
            return invalid(dispatcher, tracker, "method", "utter_delivery_still_not_eligible")
        document = tracker.get_slot("document")
        if document and not district.is_available(document, method):
            response = (
                "utter_document_not_deliverable"
                if method == "delivery"
                else "utter_method_not_available"
            )
            return invalid(
                dispatcher,
                tracker,
                "method",
                response,
                document_name=district.name_of(document),
                method_label=method_label(method),
                delivery_documents=district.names_of(district.delivery_documents),
            )
        result = valid(tracker, "method", method)
        if _changed(tracker, "method", method):
            result.update(_unconfirm(tracker))
        if method == "delivery" and previous_slot_value(tracker, "method") != "delivery":
            say(dispatcher, tracker, "utter_delivery_intro", **delivery_intro_values(district))
        return result

    async def validate_order_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A yes fixes the order key to this message; a bare no asks what to change."""
        # A value repeated with the yes ("yes, by delivery") changes nothing; a new one must be
        # confirmed again.
        changed_now = {
            slot
            for slot in slots_set_since_user(tracker) & {"document", "copies", "method"}
            if tracker.get_slot(slot) != previous_slot_value(tracker, slot)
        }
        if value is True and not changed_now:
            key = idempotency_key(tracker.sender_id, message_id(tracker), "order")
            return {"order_confirmed": True, "order_idempotency_key": key}
        if value is False and not changed_now:
            say(dispatcher, tracker, "utter_order_change_prompt")
        return {"order_confirmed": None}


class ActionAskOrderConfirmed(Action):
    """Shows the summary with the fee from the backend (or the delivery read-back) to confirm."""

    def name(self) -> str:
        return "action_ask_order_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if latest_intent(tracker) == "deny" and not (
            slots_set_since_user(tracker) & {"document", "copies", "method"}
        ):
            return []  # the change prompt was just said; wait for the change or a yes
        if await offered_options(dispatcher, tracker, "order_confirmed"):
            return []
        district = await get_district()
        document = tracker.get_slot("document")
        method = tracker.get_slot("method")
        copies = int(tracker.get_slot("copies") or 1)
        values: dict[str, Any] = {
            "document_name": district.name_of(document),
            "copies": copies,
            "method_label": method_label(method),
        }
        try:
            quote = await get_client().quote_fee(document=document, method=method, copies=copies)
        except (BackendUnavailable, BackendRefused):
            quote = None
        if method == "delivery":
            fee = krw(quote["fee_krw"]) if quote else "-"
            say(
                dispatcher,
                tracker,
                "utter_delivery_summary",
                delivery_address_masked=tracker.get_slot("delivery_address_masked"),
                deliver_within_hours=district.deliver_within_hours,
                fee_krw=fee,
                **values,
            )
        elif quote is None:
            say(dispatcher, tracker, "utter_order_summary_fee_unknown", **values)
        elif int(quote["fee_krw"]) == 0:
            say(dispatcher, tracker, "utter_order_summary_free", **values)
        else:
            say(dispatcher, tracker, "utter_order_summary", fee_krw=krw(quote["fee_krw"]), **values)
        return []


class ActionSubmitCertificate(Action):
    """Tells the order number and what happens next, then forgets the request."""

    def name(self) -> str:
        return "action_submit_certificate"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        warn_if_rrn(dispatcher, tracker)
        order = tracker.get_slot("placed_order")
        if order:
            district = await get_district()
            method = order.get("method") or tracker.get_slot("method")
            say(
                dispatcher,
                tracker,
                f"utter_order_placed_{method}",
                order_id=order["order_id"],
                fee_text=fee_text(int(order.get("fee_krw") or 0)),
                pickup_place=order.get("pickup_place") or order.get("dong") or "",
                online_url=order.get("online_url") or district.online_url,
                deadline_time=deadline_time(order.get("deadline_at")),
                delivery_address_masked=order.get("delivery_address_masked")
                or tracker.get_slot("delivery_address_masked"),
            )
        events = reset_request()
        if order:
            # "Cancel, please" or "the one I just ordered" right after this means this order.
            events.append(SlotSet("last_order_id", str(order["order_id"])))
        queue = tracker.get_slot("queued_documents") or []
        if order and queue:
            # The next document of the same request: same way of receipt, identity kept.
            district = await get_district()
            say(
                dispatcher,
                tracker,
                "utter_next_queued_document",
                document_name=district.name_of(queue[0]["document"]),
            )
            events += [
                SlotSet("queued_documents", queue),
                SlotSet("method", tracker.get_slot("method")),
                SlotSet("delivery_checked", tracker.get_slot("delivery_checked")),
                SlotSet("delivery_address_masked", tracker.get_slot("delivery_address_masked")),
                FollowupAction("certificate_form"),
            ]
        return events
