"""The district's public facts as the API shows them."""

from __future__ import annotations

from typing import Any

from app.district import DistrictFacts


def describe_district(district: DistrictFacts) -> dict[str, Any]:
    names = district.document_names_ko
    lunch = f"{district.lunch[0]:%H:%M}-{district.lunch[1]:%H:%M}"
    return {
        "name": district.name,
        "office": district.office,
        "office_address": district.office_address,
        "dongs": list(district.dongs),
        "hours": {
            "counter": {"weekdays": district.counter_hours, "lunch": lunch},
            "lunch_closure": district.lunch_closure,
            "kiosk": district.kiosk_hours,
        },
        "kiosk_free_documents": sorted(district.kiosk_free_documents),
        "documents": [{"id": doc, "name_ko": names.get(doc, doc)} for doc in district.documents],
        "fees_krw": district.fees_krw,
        "home_delivery": {
            "eligible": list(district.delivery_eligible),
            "documents": sorted(district.delivery_documents),
            "deliver_within_hours": district.deliver_within_hours,
        },
        "bulk": {
            "standard_daily_limit": district.bulk_standard_daily_limit,
            "mou_daily_limit": district.bulk_mou_daily_limit,
            "documents": sorted(district.bulk_documents),
        },
        "online_url": district.online_url,
    }
