"""The 3-hour home-delivery deadline at the edges of service hours (pure, no database)."""

from __future__ import annotations

import dataclasses
from datetime import datetime

import pytest

from app.clock import SEOUL
from app.district import DistrictFacts, load_district
from app.services.deadlines import delivery_deadline
from app.settings import Settings


@pytest.fixture(scope="module")
def district() -> DistrictFacts:
    settings = Settings()
    return load_district(settings.district_dir / settings.district_file, settings.operations_file)


def seoul(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SEOUL)


# 2026-11-27 is a Friday; 2026-12-25 (Friday) is a public holiday in the data file.
@pytest.mark.parametrize(
    ("accepted", "deadline"),
    [
        ("2026-11-25 10:00", "2026-11-25 13:00"),  # mid-morning: same day
        ("2026-11-25 15:00", "2026-11-25 18:00"),  # ends exactly at closing: stays today
        ("2026-11-25 17:59", "2026-11-26 11:59"),  # just before closing: 1 min + 2 h 59 min
        ("2026-11-25 18:00", "2026-11-26 12:00"),  # at closing: next window opening + 3 h
        ("2026-11-25 07:30", "2026-11-25 12:00"),  # before opening: clock starts at 09:00
        ("2026-11-25 12:30", "2026-11-25 15:30"),  # lunch does not pause (lunch_closure false)
        ("2026-11-27 17:00", "2026-11-30 11:00"),  # Friday evening: Monday morning
        ("2026-11-27 20:00", "2026-11-30 12:00"),  # Friday night
        ("2026-11-28 11:00", "2026-11-30 12:00"),  # Saturday
        ("2026-12-24 16:00", "2026-12-28 10:00"),  # 2 h Thursday, Christmas and weekend skipped
        ("2026-12-25 10:00", "2026-12-28 12:00"),  # on the holiday itself
    ],
)
def test_deadline_is_three_service_hours_after_acceptance(
    district: DistrictFacts, accepted: str, deadline: str
) -> None:
    assert delivery_deadline(district, seoul(accepted)) == seoul(deadline)


@pytest.mark.parametrize(
    ("accepted", "deadline"),
    [
        ("2026-11-25 10:00", "2026-11-25 14:00"),  # 2 h before lunch, lunch paused, 1 h after
        ("2026-11-25 12:30", "2026-11-25 16:00"),  # accepted during a closed lunch
        ("2026-11-25 11:59", "2026-11-25 15:59"),
        ("2026-11-25 16:00", "2026-11-26 10:00"),
    ],
)
def test_lunch_pauses_the_clock_when_counters_close_at_lunch(
    district: DistrictFacts, accepted: str, deadline: str
) -> None:
    closed_at_lunch = dataclasses.replace(district, lunch_closure=True)
    assert delivery_deadline(closed_at_lunch, seoul(accepted)) == seoul(deadline)


def test_deadline_from_a_utc_time_is_computed_in_seoul(district: DistrictFacts) -> None:
    from datetime import UTC

    accepted = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)  # 10:00 in Seoul
    assert delivery_deadline(district, accepted) == seoul("2026-11-25 13:00")
