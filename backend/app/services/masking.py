"""Masks for personal data shown back to the resident or to staff."""

from __future__ import annotations

import re


def mask_phone(phone: str) -> str:
    """`01012345678` -> `010-****-5678`: enough for the resident to recognise their phone."""
    digits = re.sub(r"\D", "", phone)
    if len(digits) < 8:
        return "*" * len(digits)
    return f"{digits[:3]}-****-{digits[-4:]}"


def mask_address(address: str) -> str:
    """Keep the road name, hide the building number: `... Dasan-ro 101` -> `... Dasan-ro ***`."""
    parts = address.split()
    if len(parts) > 1:
        parts[-1] = re.sub(r"\w", "*", parts[-1])
    return " ".join(parts)
