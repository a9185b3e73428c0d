"""District facts loaded from data files: fees, dongs, hours, limits, delivery rules.

Nothing here is a constant of the code: a district edits `data/district/<district>.yml` and
`backend/data/<district>-operations.yml` and restarts the backend.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from pathlib import Path
from typing import Any

import yaml

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class DailyWindow:
    """Opening hours on the listed weekdays (0 = Monday)."""

    weekdays: frozenset[int]
    open: time
    close: time


@dataclass(frozen=True, slots=True)
class DistrictFacts:
    name: str
    office: str
    office_address: str
    dongs: tuple[str, ...]
    counter_hours: str
    lunch: tuple[time, time]
    lunch_closure: bool
    kiosk_hours: str
    kiosk_free_documents: frozenset[str]
    fees_krw: dict[str, dict[str, int]]
    delivery_eligible: tuple[str, ...]
    delivery_documents: frozenset[str]
    deliver_within_hours: int
    bulk_standard_daily_limit: int
    bulk_mou_daily_limit: int
    bulk_documents: frozenset[str]
    online_url: str
    service_hours: DailyWindow
    staff_hours: DailyWindow
    public_holidays: frozenset[date]
    dev_staff: tuple[dict[str, Any], ...]
    copies_min: int
    document_names_ko: dict[str, str]
    copies_max: int
    raw: dict[str, Any]

    @property
    def documents(self) -> tuple[str, ...]:
        return tuple(self.fees_krw)

    def is_service_day(self, day: date) -> bool:
        return day.weekday() in self.service_hours.weekdays and day not in self.public_holidays


def _parse_hhmm(text: str) -> time:
    hours, minutes = text.strip().split(":")
    return time(int(hours), int(minutes))


def _parse_range(text: str) -> tuple[time, time]:
    start, end = text.split("-")
    return _parse_hhmm(start), _parse_hhmm(end)


def _parse_window(raw: dict[str, Any]) -> DailyWindow:
    days = frozenset(WEEKDAY_NAMES.index(d) for d in raw["days"])
    return DailyWindow(days, _parse_hhmm(str(raw["open"])), _parse_hhmm(str(raw["close"])))


def load_district(district_file: Path, operations_file: Path) -> DistrictFacts:
    """Read the district and operations files.

    Returns:
        The district's facts as one frozen object.

    Raises:
        OSError, KeyError, ValueError: a file is missing or malformed (startup stops).
    """
    raw = yaml.safe_load(district_file.read_text(encoding="utf-8"))
    ops = yaml.safe_load(operations_file.read_text(encoding="utf-8"))
    hours = raw["hours"]
    bulk = raw["bulk_issuance"]
    delivery = raw["home_delivery"]
    fees = {
        doc: {m: int(v) for m, v in by_method.items()} for doc, by_method in raw["fees_krw"].items()
    }
    return DistrictFacts(
        name=raw["district"]["name"],
        office=raw["district"]["office"],
        office_address=raw["district"]["office_address"],
        dongs=tuple(raw["dongs"]),
        counter_hours=hours["counter"]["weekdays"],
        lunch=_parse_range(hours["counter"]["lunch"]),
        lunch_closure=bool(hours.get("lunch_closure", False)),
        kiosk_hours=hours["kiosk"],
        kiosk_free_documents=frozenset(raw["kiosk_zone"]["free_in_district"]),
        fees_krw=fees,
        delivery_eligible=tuple(delivery["eligible"]),
        delivery_documents=frozenset(delivery["documents"]),
        deliver_within_hours=int(delivery["deliver_within_hours"]),
        bulk_standard_daily_limit=int(bulk["standard_daily_limit_per_applicant"]),
        bulk_mou_daily_limit=int(bulk["mou_daily_limit_per_applicant"]),
        bulk_documents=frozenset(bulk["documents"]),
        online_url=str(ops["online_url"]),
        service_hours=_parse_window(ops["service_hours"]),
        staff_hours=_parse_window(ops["staff_hours"]),
        public_holidays=frozenset(
            d if isinstance(d, date) else date.fromisoformat(str(d)) for d in ops["public_holidays"]
        ),
        dev_staff=tuple(ops.get("dev_staff", [])),
        copies_min=int(ops["resident_copies"]["min"]),
        document_names_ko=dict(ops.get("document_names_ko", {})),
        copies_max=int(ops["resident_copies"]["max"]),
        raw=raw,
    )
