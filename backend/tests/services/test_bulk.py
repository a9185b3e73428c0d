"""The bulk quota under concurrent requests, on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from app.errors import BulkQuotaExceeded
from app.models import BulkReservation
from app.repositories.store import Store
from app.runtime import Runtime
from app.services.bulk import reserve_bulk
from tests.conftest import DEFAULT_NOW


def _race(runtime: Runtime, business_number: str, requests: int, count: int) -> list[str]:
    barrier = threading.Barrier(requests)

    def one(i: int) -> str:
        with runtime.sessions() as session:
            barrier.wait()  # release every request at once
            try:
                reserve_bulk(
                    Store(session),
                    runtime.district,
                    business_number=business_number,
                    document="resident_copy",
                    count=count,
                    conversation_id=f"c{i}",
                    idempotency_key=f"k{i}",
                    now=DEFAULT_NOW,
                )
            except BulkQuotaExceeded:
                return "refused"
            return "accepted"

    with ThreadPoolExecutor(max_workers=requests) as pool:
        return list(pool.map(one, range(requests)))


def _total(runtime: Runtime) -> int:
    with runtime.sessions() as s:
        return int(s.scalar(select(func.coalesce(func.sum(BulkReservation.count), 0))) or 0)


@pytest.mark.parametrize(
    ("business", "requests", "accepted"),
    [("1234567890", 60, 50), ("9876543210", 15, 10)],
    ids=["mou-100", "standard-20"],
)
def test_concurrent_reservations_never_pass_the_daily_limit(
    runtime: Runtime, business: str, requests: int, accepted: int
) -> None:
    outcomes = _race(runtime, business, requests, count=2)
    assert outcomes.count("accepted") == accepted
    assert outcomes.count("refused") == requests - accepted
    assert _total(runtime) == accepted * 2
    with runtime.sessions() as session:
        repo = Store(session).bulk
        business_row = repo.business(business)
        assert business_row is not None
        day = DEFAULT_NOW.date()
        assert repo.used(business_row.id, day) == repo.sum_for_day(business_row.id, day)
