"""Home-delivery eligibility from registry flags and age in Asia/Seoul."""

from __future__ import annotations

import re
from datetime import date

from app.models import Resident

_AGE_RULE = re.compile(r"^age_(\d+)_or_over$")


def age_on(birth_date: date, today: date) -> int:
    """Full years (the international age) on `today`; a 29 February birthday counts from 1 March."""
    had_birthday = (today.month, today.day) >= (birth_date.month, birth_date.day)
    return today.year - birth_date.year - (0 if had_birthday else 1)


def eligibility_reasons(resident: Resident, eligible: tuple[str, ...], today: date) -> list[str]:
    """Return the district's listed reasons this resident meets, in the district's order.

    `today` is the Seoul calendar date: a birthday starts at midnight in Seoul, not in UTC.
    """
    reasons: list[str] = []
    for reason in eligible:
        if (
            (reason == "registered_disability" and resident.disability)
            or (reason == "pregnant" and resident.pregnant)
            or (
                (match := _AGE_RULE.match(reason))
                and age_on(resident.birth_date, today) >= int(match.group(1))
            )
        ):
            reasons.append(reason)
    return reasons
