"""The home-delivery deadline: N service hours after acceptance (rule in `DEADLINE_RULE`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

from app.clock import SEOUL
from app.district import DistrictFacts

# Shown in the OpenAPI description of POST /api/v1/orders.
DEADLINE_RULE = """
- The clock runs only inside service windows: the weekdays and hours of `service_hours` in the
  operations file, minus public holidays, minus lunch when the district file sets
  `hours.lunch_closure`.
- An order accepted outside a window (evening, weekend, holiday, lunch when closed) starts its
  clock when the next window opens.
- Time left when a window closes carries over to the next window.
- A deadline that falls exactly at closing time stays on that day.
"""

_MAX_DAYS_AHEAD = 60  # a holiday list never closes the service for two months


def _windows_on(district: DistrictFacts, day: date) -> list[tuple[datetime, datetime]]:
    if not district.is_service_day(day):
        return []
    hours = district.service_hours
    spans: list[tuple[time, time]] = [(hours.open, hours.close)]
    if district.lunch_closure:
        lunch_start, lunch_end = district.lunch
        spans = [(hours.open, lunch_start), (lunch_end, hours.close)]
    return [
        (datetime.combine(day, start, SEOUL), datetime.combine(day, end, SEOUL))
        for start, end in spans
        if start < end
    ]


def service_windows(
    district: DistrictFacts, start: datetime
) -> Iterator[tuple[datetime, datetime]]:
    """Yield service windows that end after `start`, in order (Seoul time)."""
    local = start.astimezone(SEOUL)
    for offset in range(_MAX_DAYS_AHEAD):
        for window_start, window_end in _windows_on(
            district, local.date() + timedelta(days=offset)
        ):
            if window_end > local:
                yield window_start, window_end


def delivery_deadline(district: DistrictFacts, accepted_at: datetime) -> datetime:
    """Return when a delivery accepted at `accepted_at` must be delivered (Seoul time).

    Raises:
        ValueError: no service window within 60 days (a broken calendar).
    """
    remaining = timedelta(hours=district.deliver_within_hours)
    local = accepted_at.astimezone(SEOUL)
    for window_start, window_end in service_windows(district, local):
        clock_start = max(window_start, local)
        available = window_end - clock_start
        if remaining <= available:
            return clock_start + remaining
        remaining -= available
    raise ValueError("no service window within the horizon")


def is_within(window: tuple[time, time], moment: datetime) -> bool:
    local = moment.astimezone(SEOUL).time()
    return window[0] <= local < window[1]
