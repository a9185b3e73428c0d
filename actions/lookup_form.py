"""Status and cancel of an existing order, by its number or "my last request".

Status by number needs no identity (the backend answers without personal data); the last
request and any cancel need a confirmed identity, and a cancel is confirmed first.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT
from rasa_sdk.types import DomainDict

from actions.answer_reading import is_order_number_unknown, yes_or_no
from actions.backend_client import BackendRefused, get_client
from actions.district import get_district
from actions.form_engine import Step, StepwiseFormValidation, invalid, is_answer_turn, valid
from actions.formatting import deadline_time, method_label
from actions.identity import IdentitySlots, clear_identity, identity_steps, send_code, verify_code
from actions.lexicon import get_lexicon
from actions.pii_notice import warn_if_rrn
from actions.problems import utter_problem
from actions.questions import offered_options
from actions.request_reset import reset_request
from actions.speech import say
from actions.tracker_facts import (
    digits_in_text,
    has_entity,
    has_valid_identity,
    latest_intent,
    latest_text,
)

logger = logging.getLogger(__name__)

LATEST = "latest"
_ORDER_ID = re.compile(r"\d{8}")
# Statuses with a delivery still on its way: the deadline is worth saying.
_OPEN_DELIVERY = frozenset({"accepted", "issued", "out_for_delivery"})


def _purpose(tracker: Tracker) -> str:
    return str(tracker.get_slot("lookup_purpose") or "status")


def _needs_identity(tracker: Tracker) -> bool:
    return _purpose(tracker) == "cancel" or tracker.get_slot("order_id") == LATEST


async def use_last_placed_order(
    dispatcher: CollectingDispatcher, tracker: Tracker
) -> dict[str, Any]:
    """Right after an order in this conversation, a status or cancel without a number is it."""
    last = tracker.get_slot("last_order_id")
    if tracker.get_slot("order_id") is None and last and not has_entity(tracker, "order_id"):
        return {"order_id": str(last)}
    return {}


async def use_latest_when_identified(
    dispatcher: CollectingDispatcher, tracker: Tracker
) -> dict[str, Any]:
    """With a confirmed identity and no number given, the request is about the last order."""
    if tracker.get_slot("order_id") is None and has_valid_identity(tracker):
        return {"order_id": LATEST}
    return {}


async def resolve_latest(dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
    """Turn "my last request" into its order number once identity is confirmed."""
    if tracker.get_slot("order_id") != LATEST or not has_valid_identity(tracker):
        return {}
    try:
        orders = await get_client().list_orders(
            identity_token=tracker.get_slot("identity_token"), limit=1
        )
    except BackendRefused as e:
        utter_problem(dispatcher, tracker, e)
        return clear_identity() if e.code.startswith("identity_") else {"lookup_result": "failed"}
    if not orders:
        say(dispatcher, tracker, "utter_no_orders")
        return {"lookup_result": "none"}
    newest = orders[0]
    return {"order_id": str(newest["order_id"]), "lookup_order": newest}


async def fetch_order(dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
    """Read the order by number (status, or what a cancel would cancel)."""
    order_id = tracker.get_slot("order_id")
    if not order_id or not _ORDER_ID.fullmatch(str(order_id)):
        return {}
    if tracker.get_slot("lookup_order") or tracker.get_slot("lookup_result"):
        return {}
    if _purpose(tracker) == "cancel" and not has_valid_identity(tracker):
        return {}
    try:
        order = await get_client().get_order(order_id=str(order_id))
    except BackendRefused as e:
        if e.code == "order_not_found":
            return invalid(dispatcher, tracker, "order_id", "utter_order_not_found")
        utter_problem(dispatcher, tracker, e)
        return {"lookup_result": "failed"}
    return {"lookup_order": order}


async def finish_status(dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
    """A status request is answered as soon as the order is known."""
    if _purpose(tracker) != "status" or tracker.get_slot("lookup_result"):
        return {}
    if not tracker.get_slot("lookup_order"):
        return {}
    return {"lookup_result": "status"}


async def cancel(dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
    """Cancel once the resident said yes."""
    if _purpose(tracker) != "cancel" or tracker.get_slot("lookup_result"):
        return {}
    if tracker.get_slot("cancel_confirmed") is not True or not has_valid_identity(tracker):
        return {}
    try:
        await get_client().cancel_order(
            identity_token=tracker.get_slot("identity_token"),
            order_id=str(tracker.get_slot("order_id")),
        )
    except BackendRefused as e:
        utter_problem(dispatcher, tracker, e)
        if e.code.startswith("identity_"):
            return {**clear_identity(), "cancel_confirmed": None}
        return {"lookup_result": "failed"}
    logger.info("order_cancelled", extra={"order_id": tracker.get_slot("order_id")})
    return {"lookup_result": "cancelled"}


class ValidateLookupForm(IdentitySlots, StepwiseFormValidation):
    """Validation and flow of `lookup_form`."""

    def name(self) -> str:
        return "validate_lookup_form"

    def steps(self, tracker: Tracker) -> list[str]:
        steps = ["order_id"]
        if _needs_identity(tracker):
            steps += identity_steps(tracker)
        if _purpose(tracker) == "cancel":
            steps.append("cancel_confirmed")
        steps.append("lookup_result")
        return steps

    def automatic_steps(self) -> list[Step]:
        return [
            use_last_placed_order,
            use_latest_when_identified,
            send_code,
            verify_code,
            resolve_latest,
            fetch_order,
            finish_status,
            cancel,
        ]

    async def extract_order_id(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Read eight digits, or "the last one", when asked for the order number."""
        if tracker.get_slot(REQUESTED_SLOT) != "order_id" or has_entity(tracker, "order_id"):
            return {}
        text = latest_text(tracker)
        if is_order_number_unknown(text) and latest_intent(tracker) != "human_handoff":
            # "I don't know", "I can't remember" (even said as a question): find it after
            # identity, as the question offers.
            return {"order_id": LATEST}
        if not is_answer_turn(tracker):
            return {}
        digits = digits_in_text(tracker)
        if _ORDER_ID.fullmatch(digits):
            return {"order_id": digits}
        if get_lexicon().is_latest_order(text):
            return {"order_id": LATEST}
        return {}

    async def extract_cancel_confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A yes or no in any register, whatever the classifier called it."""
        if tracker.get_slot(REQUESTED_SLOT) != "cancel_confirmed":
            return {}
        if latest_intent(tracker) in {"affirm", "deny"} or not is_answer_turn(tracker):
            return {}
        answer = yes_or_no(latest_text(tracker))
        return {} if answer is None else {"cancel_confirmed": answer}

    async def validate_order_id(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Accept eight digits or "latest"; a new number forgets the order read before."""
        text = str(value or "")
        if text != LATEST:
            text = "".join(c for c in text if c.isdigit())
            if not _ORDER_ID.fullmatch(text):
                return invalid(dispatcher, tracker, "order_id", "utter_invalid_order_id")
        return {**valid(tracker, "order_id", text), "lookup_order": None}

    async def validate_cancel_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A no keeps the order."""
        if value is False:
            say(dispatcher, tracker, "utter_cancel_kept")
            return {"cancel_confirmed": False, "lookup_result": "kept"}
        return {"cancel_confirmed": True}


class ActionAskCancelConfirmed(Action):
    """Names the order before cancelling it."""

    def name(self) -> str:
        return "action_ask_cancel_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if await offered_options(dispatcher, tracker, "cancel_confirmed"):
            return []
        district = await get_district()
        order = tracker.get_slot("lookup_order") or {}
        say(
            dispatcher,
            tracker,
            "utter_ask_cancel_confirmed",
            order_id=tracker.get_slot("order_id"),
            document_name=district.name_of(order.get("document", "")),
        )
        return []


class ActionSubmitLookup(Action):
    """Says the status or the cancellation, then forgets the request."""

    def name(self) -> str:
        return "action_submit_lookup"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        warn_if_rrn(dispatcher, tracker)
        result = tracker.get_slot("lookup_result")
        order = tracker.get_slot("lookup_order") or {}
        if result == "status" and order:
            district = await get_district()
            status = str(order.get("status", ""))
            say(
                dispatcher,
                tracker,
                "utter_order_status",
                order_id=order.get("order_id", tracker.get_slot("order_id")),
                document_name=district.name_of(order.get("document", "")),
                method_label=method_label(order.get("method")),
                status_label=get_lexicon().status_labels.get(status, status),
            )
            is_on_its_way = order.get("method") == "delivery" and status in _OPEN_DELIVERY
            if is_on_its_way and order.get("deadline_at"):
                say(
                    dispatcher,
                    tracker,
                    "utter_order_status_deadline",
                    deadline_time=deadline_time(order["deadline_at"]),
                )
        elif result == "cancelled":
            say(dispatcher, tracker, "utter_order_cancelled", order_id=tracker.get_slot("order_id"))
        return reset_request()
