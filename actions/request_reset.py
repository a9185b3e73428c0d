"""Which slots a finished, stopped or handed-over request leaves behind.

Only the identity token and the number of the order placed last ("cancel, please" right after an
order means that order) outlive a request.
"""

from __future__ import annotations

from typing import Final

from rasa_sdk.events import EventType, SlotSet

REQUEST_SLOTS: Final = (
    "document",
    "copies",
    "method",
    "order_confirmed",
    "placed_order_id",
    "placed_order",
    "order_idempotency_key",
    "delivery_checked",
    "delivery_refused",
    "delivery_address_masked",
    "person_name",
    "birth_date",
    "phone_number",
    "otp_code",
    "challenge_id",
    "masked_phone",
    "business_number",
    "business_code",
    "business_challenge",
    "business_token",
    "bulk_quota",
    "bulk_confirmed",
    "bulk_reservation",
    "lookup_purpose",
    "order_id",
    "cancel_confirmed",
    "lookup_order",
    "lookup_result",
    "backend_retry",
    "backend_pending",
    "backend_problem",
    "retry_counts",
    "stop_confirmed",
    "queued_documents",
)


def reset_request() -> list[EventType]:
    """Return the events that forget the request but keep a confirmed identity."""
    return [SlotSet(slot, None) for slot in REQUEST_SLOTS]
