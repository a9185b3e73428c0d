"""Business registration numbers (사업자등록번호): 10 digits ("123-45-67890" -> "1234567890")."""

from __future__ import annotations

from nlu.normalise.digit_runs import digits_in

BUSINESS_NUMBER_LENGTH = 10


def parse_business_number(text: str) -> str | None:
    """The 10-digit business number in `text`, or None.

    The check digit is not verified: a district's registry is the authority, and a resident
    reading the number aloud should reach that check rather than a parser's refusal.
    """
    return digits_in(text, (BUSINESS_NUMBER_LENGTH,))
