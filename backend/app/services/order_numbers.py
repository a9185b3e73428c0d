"""Order numbers: 8 random digits that cannot be guessed or mistaken for a birth date."""

from __future__ import annotations

import secrets
from datetime import date


def looks_like_date(number: str) -> bool:
    """True when the 8 digits read as a real YYYYMMDD date (the NLU would take it for one)."""
    try:
        date(int(number[:4]), int(number[4:6]), int(number[6:8]))
    except ValueError:
        return False
    return True


def new_order_number() -> str:
    """Draw from `secrets` until the number has no leading zero and is not a calendar date."""
    while True:
        number = str(10_000_000 + secrets.randbelow(90_000_000))
        if not looks_like_date(number):
            return number
