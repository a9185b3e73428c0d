"""Bulk issuance for businesses: business number, today's quota, document, count, reservation.

The backend owns the quota (100 a day with an MOU, 20 without) and enforces it atomically; the
dialogue only reads what is left to say it and to ask for a count that fits.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backend_client import (
    BackendRefused,
    BackendUnavailable,
    get_client,
    idempotency_key,
)
from actions.district import get_district
from actions.form_engine import Step, StepwiseFormValidation, invalid, pending, valid
from actions.pii_notice import warn_if_rrn
from actions.problems import utter_problem
from actions.request_reset import reset_request
from actions.speech import say
from actions.tracker_facts import message_id

logger = logging.getLogger(__name__)

_BUSINESS_NUMBER = re.compile(r"\d{10}")


def _remaining(tracker: Tracker) -> int | None:
    quota = tracker.get_slot("bulk_quota") or {}
    value = quota.get("remaining_today")
    return None if value is None else int(value)


async def fetch_quota(dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
    """Read the business's quota for today and say it."""
    number = tracker.get_slot("business_number")
    if not number or tracker.get_slot("bulk_quota"):
        return {}
    try:
        quota = await get_client().get_bulk_quota(business_number=number)
    except BackendRefused as e:
        utter_problem(dispatcher, tracker, e)
        return {"business_number": None}
    values = {
        "business_name": quota.get("business_name", ""),
        "daily_limit": quota.get("daily_limit"),
        "remaining_today": quota.get("remaining_today"),
    }
    if int(quota.get("remaining_today", 0)) <= 0:
        say(dispatcher, tracker, "utter_bulk_quota_exhausted", **values)
        return {"bulk_quota": quota, "bulk_reservation": {"status": "exhausted"}}
    say(dispatcher, tracker, "utter_bulk_quota", **values)
    return {"bulk_quota": quota}


async def reserve(dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
    """Reserve once confirmed; the key ties the reservation to the confirming message."""
    if tracker.get_slot("bulk_confirmed") is not True or tracker.get_slot("bulk_reservation"):
        return {}
    key = tracker.get_slot("order_idempotency_key") or idempotency_key(
        tracker.sender_id, message_id(tracker), "bulk"
    )
    try:
        reservation = await get_client().reserve_bulk(
            key=key,
            conversation_id=tracker.sender_id,
            business_number=tracker.get_slot("business_number"),
            document=tracker.get_slot("document"),
            count=int(tracker.get_slot("copies")),
        )
    except BackendUnavailable:
        return {"order_idempotency_key": key, **pending("reserve")}
    except BackendRefused as e:
        district = await get_district()
        utter_problem(
            dispatcher, tracker, e, bulk_documents=district.names_of(district.bulk_documents)
        )
        quota = dict(tracker.get_slot("bulk_quota") or {})
        if "remaining" in e.extras:
            quota["remaining_today"] = e.extras["remaining"]
        retry = {"bulk_confirmed": None, "order_idempotency_key": None, "bulk_quota": quota}
        if e.code == "bulk_quota_exceeded":
            if int(quota.get("remaining_today") or 0) <= 0:
                return {**retry, "bulk_reservation": {"status": "exhausted"}}
            return {**retry, "copies": None}
        if e.code == "bulk_document_not_allowed":
            return {**retry, "document": None}
        return {**retry, "bulk_reservation": {"status": "refused"}}
    logger.info("bulk_reserved", extra={"reservation_id": reservation.get("reservation_id")})
    return {"bulk_reservation": reservation, "order_idempotency_key": key}


class ValidateBulkForm(StepwiseFormValidation):
    """Validation and flow of `bulk_form`."""

    def name(self) -> str:
        return "validate_bulk_form"

    def steps(self, tracker: Tracker) -> list[str]:
        return ["business_number", "document", "copies", "bulk_confirmed", "bulk_reservation"]

    def automatic_steps(self) -> list[Step]:
        return [fetch_quota, reserve]

    async def validate_business_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Accept ten digits; a new number means a new quota."""
        digits = "".join(c for c in str(value or "") if c.isdigit())
        if not _BUSINESS_NUMBER.fullmatch(digits):
            return invalid(dispatcher, tracker, "business_number", "utter_invalid_business_number")
        result = valid(tracker, "business_number", digits)
        quota = tracker.get_slot("bulk_quota") or {}
        if quota and quota.get("business_number") != digits:
            result["bulk_quota"] = None
        return result

    async def validate_document(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Accept only the documents the bulk counter issues."""
        district = await get_district()
        if str(value) not in district.bulk_documents:
            return invalid(
                dispatcher,
                tracker,
                "document",
                "utter_bulk_document_not_allowed",
                bulk_documents=district.names_of(district.bulk_documents),
            )
        return {**valid(tracker, "document", str(value)), "bulk_confirmed": None}

    async def validate_copies(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Accept a count that fits what is left today."""
        remaining = _remaining(tracker)
        try:
            count = int(str(value))
        except ValueError:
            count = 0
        if count < 1:
            return invalid(
                dispatcher,
                tracker,
                "copies",
                "utter_invalid_bulk_copies",
                remaining_today=remaining if remaining is not None else "",
            )
        if remaining is not None and count > remaining:
            return invalid(
                dispatcher, tracker, "copies", "utter_bulk_quota_exceeded", remaining=remaining
            )
        return {**valid(tracker, "copies", str(count)), "bulk_confirmed": None}

    async def validate_bulk_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A no ends the request without reserving."""
        if value is False:
            say(dispatcher, tracker, "utter_bulk_not_confirmed")
            return {"bulk_confirmed": False, "bulk_reservation": {"status": "declined"}}
        return {"bulk_confirmed": True}


class ActionAskBulkDocument(Action):
    """Asks which document, naming the ones the bulk counter issues."""

    def name(self) -> str:
        return "action_ask_bulk_form_document"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        district = await get_district()
        say(
            dispatcher,
            tracker,
            "utter_ask_bulk_form_document",
            bulk_documents=district.names_of(district.bulk_documents),
        )
        return []


class ActionAskBulkCopies(Action):
    """Asks how many, saying what is left today."""

    def name(self) -> str:
        return "action_ask_bulk_form_copies"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        say(
            dispatcher,
            tracker,
            "utter_ask_bulk_form_copies",
            remaining_today=_remaining(tracker) or 0,
        )
        return []


class ActionAskBulkConfirmed(Action):
    """Reads the reservation back before it is made."""

    def name(self) -> str:
        return "action_ask_bulk_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        district = await get_district()
        quota = tracker.get_slot("bulk_quota") or {}
        say(
            dispatcher,
            tracker,
            "utter_ask_bulk_confirmed",
            business_name=quota.get("business_name", ""),
            document_name=district.name_of(tracker.get_slot("document") or ""),
            copies=tracker.get_slot("copies"),
        )
        return []


class ActionSubmitBulk(Action):
    """Says the reservation and where to pick it up, then forgets the request."""

    def name(self) -> str:
        return "action_submit_bulk"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        warn_if_rrn(dispatcher, tracker)
        reservation = tracker.get_slot("bulk_reservation") or {}
        if reservation.get("reservation_id"):
            say(
                dispatcher,
                tracker,
                "utter_bulk_reserved",
                reservation_id=reservation["reservation_id"],
                pickup_place=reservation.get("pickup_place", ""),
                remaining_today=reservation.get("remaining_today", ""),
            )
        return reset_request()
