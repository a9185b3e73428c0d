"""Time in the district: every datetime is aware; days and hours are Asia/Seoul."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

SEOUL = ZoneInfo("Asia/Seoul")

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


def to_seoul(moment: datetime) -> datetime:
    return moment.astimezone(SEOUL)
