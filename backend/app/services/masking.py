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


# A resident registration number as digits: YYMMDD, an optional separator, then a back half that
# starts with 1-8. Rasa masks RRNs (with every separator a person uses, nlu/pii.py) before they
# reach the tracker store; this is the backend's own guard for what it shows staff or stores.
_RRN = re.compile(r"(?<!\d)\d{6}[\s\-\u2010-\u2015\uff0d.,:/]{0,3}[1-8]\d{6}(?!\d)")


def mask_rrn(text: str) -> str:
    """Mask every digit of an RRN-shaped number, keeping the separators and the text's length."""
    return _RRN.sub(lambda m: re.sub(r"\d", "*", m.group(0)), text)
