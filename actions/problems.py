"""Maps every backend problem `code` (docs/backend-api.md) to the response that says it.

The backend never chooses the resident's words; the action server does, by `code`. A test
(tests/actions/test_problems.py) proves that every code in the API document has an entry here.
"""

from __future__ import annotations

from typing import Any, Final

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.backend_client import BackendRefused
from actions.speech import say

PROBLEM_RESPONSES: Final[dict[str, str]] = {
    "unauthorized": "utter_service_error",
    "forbidden": "utter_service_error",
    "invalid_request": "utter_service_error",
    "unknown_document": "utter_invalid_document",
    "copies_out_of_range": "utter_invalid_copies",
    "method_not_available": "utter_method_not_available",
    "identity_required": "utter_identity_expired",
    "identity_invalid": "utter_identity_expired",
    "challenge_not_found": "utter_otp_expired",
    "otp_wrong": "utter_otp_wrong",
    "otp_expired": "utter_otp_expired",
    "otp_locked": "utter_otp_locked",
    "sms_rate_limited": "utter_sms_rate_limited",
    "identity_rate_limited": "utter_identity_rate_limited",
    "identity_busy": "utter_identity_busy",
    "identity_locked_today": "utter_identity_locked_today",
    "lookup_rate_limited": "utter_lookup_rate_limited",
    "login_rate_limited": "utter_service_error",  # staff console only; never a resident's
    "business_proof_required": "utter_business_proof_required",
    "sms_unavailable": "utter_backend_unavailable",
    "order_not_found": "utter_order_not_found",
    "order_not_cancellable": "utter_order_not_cancellable",
    "invalid_status_change": "utter_order_not_cancellable",
    "delivery_not_eligible": "utter_delivery_not_eligible",
    "document_not_deliverable": "utter_document_not_deliverable",
    "business_unknown": "utter_business_unknown",
    "bulk_document_not_allowed": "utter_bulk_document_not_allowed",
    "bulk_quota_exceeded": "utter_bulk_quota_exceeded",
    "idempotency_conflict": "utter_service_error",
    "wrong_dong": "utter_service_error",
    "ticket_not_found": "utter_handoff_unavailable",
    "ticket_state_conflict": "utter_handoff_unavailable",
}

FALLBACK_RESPONSE: Final = "utter_service_error"

# Refusals that pass with time: the answer says when (from `retry_after_s`), never blames.
RATE_LIMIT_CODES: Final = frozenset(
    {
        "sms_rate_limited",
        "identity_rate_limited",
        "identity_busy",
        "identity_locked_today",
        "lookup_rate_limited",
    }
)


def is_rate_limited(problem: BackendRefused) -> bool:
    """Whether the refusal is a limit that passes with time (HTTP 429)."""
    return problem.status == 429 or problem.code in RATE_LIMIT_CODES


def retry_values(extras: dict[str, Any]) -> dict[str, Any]:
    """`retry_after_min` (rounded up, at least 1) from a problem's `retry_after_s`."""
    if "retry_after_s" not in extras:
        return {}
    return {"retry_after_min": max(1, -(-int(extras["retry_after_s"]) // 60))}


def utter_retry_later(
    dispatcher: CollectingDispatcher, tracker: Tracker, problem: dict[str, Any]
) -> None:
    """Say when to try again for a parked rate-limit problem (`backend_problem` slot)."""
    code = str(problem.get("code") or "")
    extras = {k: v for k, v in problem.items() if k != "code"}
    say(dispatcher, tracker, response_for(code), **extras, **retry_values(extras))


def response_for(code: str) -> str:
    """Return the response name for a problem code (a generic apology for an unknown code)."""
    return PROBLEM_RESPONSES.get(code, FALLBACK_RESPONSE)


def utter_problem(
    dispatcher: CollectingDispatcher, tracker: Tracker, problem: BackendRefused, **values: Any
) -> None:
    """Say the response for `problem`, with its public extras and `values` as variables."""
    variables: dict[str, Any] = {**problem.extras, **values}
    variables.update({k: v for k, v in retry_values(variables).items() if k not in values})
    say(dispatcher, tracker, response_for(problem.code), **variables)
