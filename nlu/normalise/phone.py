"""Phone numbers to digits only ("010-1234-5678", "공일공 일이삼사 오육칠팔" -> "01012345678")."""

from __future__ import annotations

import re

from nlu.normalise.digit_runs import digits_in

_COUNTRY_CODE = re.compile(r"^\s*(?:\+\s*82|0082)[\s\-.]*(?:\(0\))?")
# Korean numbers: mobiles 010/011/016-019 (10-11 digits), Seoul 02 (9-10 digits), other areas
# and 070/050x (10-11 digits). Sources: the national numbering plan as commonly published.
_PHONE = re.compile(r"01[016789]\d{7,8}|02\d{7,8}|0[3-7]\d\d{7,8}|050\d\d{7,8}")


def is_phone_digits(digits: str) -> bool:
    """True when `digits` has the shape of a Korean mobile or landline number."""
    return _PHONE.fullmatch(digits) is not None


def parse_phone(text: str) -> str | None:
    """Digits of the phone number in `text`, or None when it is not a Korean phone number.

    An international "+82 10-…" becomes the domestic "010…".
    """
    country = _COUNTRY_CODE.match(text)
    if country:
        rest = digits_in(text[country.end() :], (9, 10))
        if rest is not None:
            domestic = rest if rest.startswith("0") else "0" + rest
            return domestic if is_phone_digits(domestic) else None
    digits = digits_in(text, (9, 10, 11))
    return digits if digits is not None and is_phone_digits(digits) else None
