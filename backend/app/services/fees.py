"""Fees from the district's fee table for the way a document is obtained."""

from __future__ import annotations

from dataclasses import dataclass

from app.district import DistrictFacts
from app.errors import CopiesOutOfRange, DocumentNotDeliverable, MethodNotAvailable, UnknownDocument

METHODS = ("kiosk", "counter", "online", "delivery")


@dataclass(frozen=True, slots=True)
class FeeQuote:
    document: str
    method: str
    copies: int
    fee_per_copy_krw: int
    fee_krw: int
    free_reason: str | None


def check_document(district: DistrictFacts, document: str) -> None:
    if document not in district.fees_krw:
        raise UnknownDocument(f"unknown document {document!r}")


def check_copies(district: DistrictFacts, copies: int) -> None:
    if not district.copies_min <= copies <= district.copies_max:
        raise CopiesOutOfRange(district.copies_min, district.copies_max)


def quote_fee(district: DistrictFacts, *, document: str, method: str, copies: int) -> FeeQuote:
    """Price `copies` of `document` obtained by `method`.

    Kiosk fees are 0 for the district's free kiosk documents; home delivery costs the counter
    fee; online only where the fee table lists an online fee.

    Raises:
        UnknownDocument, CopiesOutOfRange, MethodNotAvailable, DocumentNotDeliverable.
    """
    check_document(district, document)
    check_copies(district, copies)
    fees = district.fees_krw[document]
    free_reason: str | None = None
    if method == "kiosk" and document in district.kiosk_free_documents:
        per_copy, free_reason = 0, "kiosk_free_in_district"
    elif method == "delivery":
        if document not in district.delivery_documents:
            raise DocumentNotDeliverable(f"{document} is not delivered")
        if "counter" not in fees:
            raise MethodNotAvailable(f"{document} has no counter fee")
        per_copy = fees["counter"]
    elif method in fees:
        per_copy = fees[method]
    else:
        raise MethodNotAvailable(f"{document} is not available by {method}")
    return FeeQuote(document, method, copies, per_copy, per_copy * copies, free_reason)
