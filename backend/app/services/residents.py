"""What a confirmed resident sees about themselves."""

from __future__ import annotations

from datetime import datetime

from app.clock import SEOUL
from app.district import DistrictFacts
from app.models import Resident
from app.schemas import ResidentView
from app.services.eligibility import eligibility_reasons
from app.services.masking import mask_address


def describe_resident(resident: Resident, district: DistrictFacts, now: datetime) -> ResidentView:
    reasons = eligibility_reasons(
        resident, district.delivery_eligible, now.astimezone(SEOUL).date()
    )
    return ResidentView(
        name=resident.name,
        dong=resident.dong,
        masked_address=mask_address(resident.address),
        delivery_eligible=bool(reasons),
        eligibility_reasons=reasons,
    )
