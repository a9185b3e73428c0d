"""Bulk issuance for businesses: business number, proof, quota, document, count, reservation.

A business proves itself before it sees its quota or reserves: the backend texts a code to the
business's registered contact phone (utter_business_code_sent says so), or the
business types the reservation code counter staff gave it. Either yields a business token bound
to this conversation, kept in the `business_token` slot until the request ends.

The backend owns the quota (100 a day with an MOU, 20 without) and enforces it atomically; the
dialogue only reads what is left to say it and to ask for a count that fits.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT
from rasa_sdk.types import DomainDict

from actions.backend_client import (
    BackendRefused,
    BackendUnavailable,
    bind_tracker,
    get_client,
    idempotency_key,
)
from actions.district import get_district
from actions.form_engine import (
    Step,
    StepwiseFormValidation,
    invalid,
    is_answer_turn,
    pending,
    valid,
)
from actions.pii_notice import warn_if_rrn
from actions.problems import is_rate_limited, utter_problem
from actions.request_reset import reset_request
from actions.speech import say
from actions.tracker_facts import digits_in_text, latest_text, message_id

logger = logging.getLogger(__name__)

_BUSINESS_NUMBER = re.compile(r"\d{10}")
_CODE = re.compile(r"\d{6}")
# A reservation code from counter staff: ten letters and digits, often written ABCDE-23456.
_STAFF_CODE = re.compile(r"(?<![A-Za-z0-9])([A-Za-z0-9]{5})[- ]?([A-Za-z0-9]{5})(?![A-Za-z0-9])")
# Slots of the proof: the token is a credential (never said, cleared when the request ends).
PROOF_SLOTS = ("business_code", "business_challenge", "business_token")


def staff_code_in(text: str) -> str | None:
    """A staff reservation code in the text (it has letters: six digits are an SMS code)."""
    for match in _STAFF_CODE.finditer(text):
        code = (match.group(1) + match.group(2)).upper()
        if not code.isdigit() and any(c.isdigit() for c in code):
            return f"{code[:5]}-{code[5:]}"
    return None


def _remaining(tracker: Tracker) -> int | None:
    quota = tracker.get_slot("bulk_quota") or {}
    value = quota.get("remaining_today")
    return None if value is None else int(value)


def _say_quota(
    dispatcher: CollectingDispatcher, tracker: Tracker, quota: dict[str, Any]
) -> dict[str, Any]:
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


async def send_business_code(dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
    """Once the number is known, text a code to the business's registered contact phone."""
    number = tracker.get_slot("business_number")
    if not number or tracker.get_slot("business_token") or tracker.get_slot("business_challenge"):
        return {}
    bind_tracker(tracker)
    try:
        body = await get_client().create_business_challenge(
            conversation_id=tracker.sender_id, business_number=number
        )
    except BackendRefused as e:
        utter_problem(dispatcher, tracker, e)
        if is_rate_limited(e):
            return {"bulk_reservation": {"status": "refused", "code": e.code}}
        return {"business_number": None}
    say(dispatcher, tracker, "utter_business_code_sent", masked_phone=body.get("masked_phone", ""))
    return {
        "business_challenge": {
            "challenge_id": str(body["challenge_id"]),
            "business_number": number,
        }
    }


async def confirm_business(dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
    """Check the SMS code (or trade the staff code) for a business token, then say the quota."""
    code = tracker.get_slot("business_code")
    challenge = tracker.get_slot("business_challenge") or {}
    if tracker.get_slot("business_token") or not code:
        return {}
    bind_tracker(tracker)
    client = get_client()
    is_sms_code = bool(_CODE.fullmatch(str(code)))
    if is_sms_code and not challenge.get("challenge_id"):
        return {"business_code": None}
    try:
        if is_sms_code:
            proof = await client.verify_business_challenge(
                challenge_id=challenge["challenge_id"],
                conversation_id=tracker.sender_id,
                code=str(code),
            )
        else:
            proof = await client.exchange_reservation_token(
                conversation_id=tracker.sender_id, reservation_token=str(code)
            )
    except BackendRefused as e:
        if e.code == "business_proof_required":
            say(dispatcher, tracker, "utter_business_token_refused")
            return {"business_code": None}
        utter_problem(dispatcher, tracker, e)
        if is_rate_limited(e):
            refused = {"status": "refused", "code": e.code}
            return {"business_code": None, "bulk_reservation": refused}
        if e.code in {"otp_expired", "challenge_not_found"}:
            return {"business_code": None, "business_challenge": None}  # a new code is sent
        if e.code == "otp_locked":
            return {"business_code": None, "business_challenge": None, "business_number": None}
        return {"business_code": None}
    quota = dict(proof.get("quota") or {})
    logger.info("business_confirmed")
    return {
        "business_token": proof["business_token"],
        "business_challenge": None,
        "otp_code": None,
        **_say_quota(dispatcher, tracker, quota),
    }


async def reserve(dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
    """Reserve once confirmed; the key ties the reservation to the confirming message."""
    if tracker.get_slot("bulk_confirmed") is not True or tracker.get_slot("bulk_reservation"):
        return {}
    key = tracker.get_slot("order_idempotency_key") or idempotency_key(
        tracker.sender_id, message_id(tracker), "bulk"
    )
    bind_tracker(tracker)
    try:
        reservation = await get_client().reserve_bulk(
            key=key,
            conversation_id=tracker.sender_id,
            business_number=tracker.get_slot("business_number"),
            document=tracker.get_slot("document"),
            count=int(tracker.get_slot("copies")),
            business_token=tracker.get_slot("business_token") or "",
        )
    except BackendUnavailable:
        return {"order_idempotency_key": key, **pending("reserve")}
    except BackendRefused as e:
        if e.code == "business_proof_required":
            # The token expired (30 minutes) while the resident decided: prove again, keep the rest.
            say(dispatcher, tracker, "utter_business_proof_required")
            return {
                "bulk_confirmed": None,
                "order_idempotency_key": None,
                "business_token": None,
                "business_challenge": None,
                "business_code": None,
            }
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
        return [
            "business_number",
            "business_code",
            "document",
            "copies",
            "bulk_confirmed",
            "bulk_reservation",
        ]

    def automatic_steps(self) -> list[Step]:
        return [send_business_code, confirm_business, reserve]

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        bind_tracker(tracker)  # every backend call of this turn names its conversation
        return await super().run(dispatcher, tracker, domain)

    async def extract_business_code(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Read six digits, or a staff reservation code, from the text while the code is asked."""
        if tracker.get_slot(REQUESTED_SLOT) != "business_code" or not is_answer_turn(tracker):
            return {}
        staff_code = staff_code_in(latest_text(tracker))
        if staff_code:
            return {"business_code": staff_code}
        digits = digits_in_text(tracker)
        return {"business_code": digits} if _CODE.fullmatch(digits) else {}

    async def validate_business_code(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Accept six digits or a staff code while the code is awaited."""
        if tracker.get_slot(REQUESTED_SLOT) != "business_code":
            return {"business_code": None}
        text = str(value or "")
        digits = "".join(c for c in text if c.isdigit())
        if _CODE.fullmatch(digits):
            return {**valid(tracker, "business_code", digits), "otp_code": None}
        staff_code = staff_code_in(text)
        if staff_code:
            return {**valid(tracker, "business_code", staff_code), "otp_code": None}
        return invalid(dispatcher, tracker, "business_code", "utter_invalid_business_code")

    async def validate_business_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Accept ten digits; a new number means a new quota."""
        digits = "".join(c for c in str(value or "") if c.isdigit())
        if not _BUSINESS_NUMBER.fullmatch(digits):
            return invalid(dispatcher, tracker, "business_number", "utter_invalid_business_number")
        result = valid(tracker, "business_number", digits)
        quota = tracker.get_slot("bulk_quota") or {}
        challenge = tracker.get_slot("business_challenge") or {}
        if (quota and quota.get("business_number") != digits) or (
            challenge and challenge.get("business_number") != digits
        ):
            # Another business: its own proof and quota.
            result.update({"bulk_quota": None, **{slot: None for slot in PROOF_SLOTS}})
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


class ActionAskBusinessCode(Action):
    """Asks for the code sent to the business's contact (or the staff reservation code)."""

    def name(self) -> str:
        return "action_ask_business_code"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        say(dispatcher, tracker, "utter_ask_business_code")
        return []


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
        # The business token is a credential: it does not outlive the request.
        return [*reset_request(), *(SlotSet(slot, None) for slot in PROOF_SLOTS)]
