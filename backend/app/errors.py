"""Domain errors: a district rule refused the request.

Services raise these, never HTTP exceptions; `api/problems.py` maps each to
`application/problem+json` by its `code` and `status`.

    DomainError
    ├── Unauthorized, IdentityRequired, IdentityInvalid, StaffForbidden
    ├── InvalidRequest, UnknownDocument, CopiesOutOfRange, MethodNotAvailable, UnknownDong
    ├── ChallengeNotFound, OtpWrong, OtpExpired, OtpLocked
    ├── RateLimited (429, `retry_after_s`): SmsRateLimited, IdentityRateLimited, IdentityBusy,
    │   IdentityLockedToday, LoginRateLimited, LookupRateLimited
    ├── BusinessProofRequired
    ├── OrderNotFound, OrderNotCancellable, InvalidStatusChange
    ├── DeliveryNotEligible, DocumentNotDeliverable, WrongDong
    ├── BusinessUnknown, BulkDocumentNotAllowed, BulkQuotaExceeded
    ├── TicketNotFound, TicketNotTakeable
    └── IdempotencyConflict
"""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    """A district rule refused the request. `code` is API; the message is for logs only."""

    code: ClassVar[str] = "invalid_request"
    status: ClassVar[int] = 409
    title: ClassVar[str] = "Request refused"

    def extras(self) -> dict[str, Any]:
        """Public fields added to the problem body (never personal data)."""
        return {}


class Unauthorized(DomainError):
    """Raised when the service or staff token is missing or wrong."""

    code = "unauthorized"
    status = 401
    title = "Unauthorized"


class StaffForbidden(DomainError):
    """Raised when a staff member's role does not allow the action."""

    code = "forbidden"
    status = 403
    title = "Not allowed for this role"


class IdentityRequired(DomainError):
    """Raised when an endpoint acting for a resident gets no identity token."""

    code = "identity_required"
    status = 401
    title = "Identity confirmation required"


class IdentityInvalid(DomainError):
    """Raised when the identity token is unknown, expired or bound to another conversation."""

    code = "identity_invalid"
    status = 401
    title = "Identity token not valid"


class InvalidRequest(DomainError):
    """Raised when the request body or parameters are malformed."""

    code = "invalid_request"
    status = 422
    title = "Invalid request"

    def __init__(self, message: str, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []

    def extras(self) -> dict[str, Any]:
        return {"errors": self.errors} if self.errors else {}


class UnknownDocument(DomainError):
    """Raised when the document id is not in the district's catalogue."""

    code = "unknown_document"
    status = 422
    title = "Unknown document"


class CopiesOutOfRange(DomainError):
    """Raised when a resident asks for fewer than 1 or more than 10 copies."""

    code = "copies_out_of_range"
    status = 422
    title = "Copies out of range"

    def __init__(self, minimum: int, maximum: int) -> None:
        super().__init__(f"copies must be {minimum}..{maximum}")
        self.minimum, self.maximum = minimum, maximum

    def extras(self) -> dict[str, Any]:
        return {"min": self.minimum, "max": self.maximum}


class MethodNotAvailable(DomainError):
    """Raised when the document cannot be had this way (e.g. a seal certificate online)."""

    code = "method_not_available"
    status = 422
    title = "Not available this way"


class UnknownDong(DomainError):
    """Raised when a dong name is not one of the district's dongs."""

    code = "wrong_dong"
    status = 422
    title = "Unknown dong"


class WrongDong(DomainError):
    """Raised when a dong courier acts on an order of another dong."""

    code = "wrong_dong"
    status = 403
    title = "Order belongs to another dong"


class ChallengeNotFound(DomainError):
    """Raised when the challenge id is unknown or belongs to another conversation."""

    code = "challenge_not_found"
    status = 404
    title = "Challenge not found"


class OtpWrong(DomainError):
    """Raised when the code does not match; `tries_left` says how many remain."""

    code = "otp_wrong"
    status = 400
    title = "Wrong code"

    def __init__(self, tries_left: int) -> None:
        super().__init__(f"wrong code, {tries_left} tries left")
        self.tries_left = tries_left

    def extras(self) -> dict[str, Any]:
        return {"tries_left": self.tries_left}


class OtpExpired(DomainError):
    """Raised when the code is older than its time to live."""

    code = "otp_expired"
    status = 400
    title = "Code expired"


class OtpLocked(DomainError):
    """Raised once a challenge has had its maximum number of wrong tries."""

    code = "otp_locked"
    status = 400
    title = "Challenge locked"


class RateLimited(DomainError):
    """Raised when a limit refuses the request; `retry_after_s` says when it may pass."""

    code = "rate_limited"
    status = 429
    title = "Too many requests"

    def __init__(self, retry_after_s: int, message: str = "") -> None:
        super().__init__(message or f"{self.code}, retry after {retry_after_s}s")
        self.retry_after_s = max(1, int(retry_after_s))

    def extras(self) -> dict[str, Any]:
        return {"retry_after_s": self.retry_after_s}


class SmsRateLimited(RateLimited):
    """Raised when too many codes were requested for one phone number in the window."""

    code = "sms_rate_limited"
    title = "Too many codes requested"


class IdentityRateLimited(RateLimited):
    """Raised when one conversation or one client asked for too many codes in the window."""

    code = "identity_rate_limited"
    title = "Too many codes requested from here"


class IdentityBusy(RateLimited):
    """Raised when the service-wide limit on codes sent in the window is reached."""

    code = "identity_busy"
    title = "Too many codes requested overall"


class IdentityLockedToday(RateLimited):
    """Raised after repeated locked challenges for a phone, conversation or client today."""

    code = "identity_locked_today"
    title = "No more codes today"


class LoginRateLimited(RateLimited):
    """Raised when an account or a client address had too many failed staff logins."""

    code = "login_rate_limited"
    title = "Too many failed logins"


class LookupRateLimited(RateLimited):
    """Raised when a conversation or client looked up too many orders (or tokens) by number."""

    code = "lookup_rate_limited"
    title = "Too many look-ups"


class BusinessProofRequired(DomainError):
    """Raised when a bulk call lacks a valid business token for this business and conversation."""

    code = "business_proof_required"
    status = 401
    title = "Business not confirmed"


class OrderNotFound(DomainError):
    """Raised when no order has this number (or it belongs to someone else)."""

    code = "order_not_found"
    status = 404
    title = "Order not found"


class OrderNotCancellable(DomainError):
    """Raised when the order has gone past the point where it can be cancelled."""

    code = "order_not_cancellable"
    status = 409
    title = "Order can no longer be cancelled"

    def __init__(self, status: str) -> None:
        super().__init__(f"order is {status}")
        self.order_status = status

    def extras(self) -> dict[str, Any]:
        return {"order_status": self.order_status}


class InvalidStatusChange(DomainError):
    """Raised when staff ask for a status change the order's flow does not allow."""

    code = "invalid_status_change"
    status = 409
    title = "Status change not allowed"


class DeliveryNotEligible(DomainError):
    """Raised when the resident meets none of the home-delivery conditions."""

    code = "delivery_not_eligible"
    status = 403
    title = "Not eligible for home delivery"


class DocumentNotDeliverable(DomainError):
    """Raised when home delivery is asked for a document outside its list."""

    code = "document_not_deliverable"
    status = 422
    title = "Document not deliverable"


class BusinessUnknown(DomainError):
    """Raised when the business number is not registered for bulk issuance."""

    code = "business_unknown"
    status = 404
    title = "Business not registered"


class BulkDocumentNotAllowed(DomainError):
    """Raised when a bulk reservation names a document the bulk counter does not issue."""

    code = "bulk_document_not_allowed"
    status = 422
    title = "Document not issued in bulk"


class BulkQuotaExceeded(DomainError):
    """Raised when the reservation would pass the business's limit for the Seoul day."""

    code = "bulk_quota_exceeded"
    status = 409
    title = "Daily bulk quota exceeded"

    def __init__(self, remaining: int) -> None:
        super().__init__(f"bulk quota exceeded, {remaining} left today")
        self.remaining = remaining

    def extras(self) -> dict[str, Any]:
        return {"remaining": self.remaining}


class IdempotencyConflict(DomainError):
    """Raised when an idempotency key is replayed with a different request body."""

    code = "idempotency_conflict"
    status = 409
    title = "Idempotency key reused with another request"


class TicketNotFound(DomainError):
    """Raised when no handoff ticket has this id."""

    code = "ticket_not_found"
    status = 404
    title = "Ticket not found"


class TicketStateConflict(DomainError):
    """Raised when a ticket is taken twice or resolved before it is taken."""

    code = "ticket_state_conflict"
    status = 409
    title = "Ticket is not in a state that allows this"
