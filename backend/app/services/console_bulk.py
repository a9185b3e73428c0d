"""The bulk-issuance counter: today's reservations by business, picked up or refused.

A reservation is `reserved` until the counter hands the documents over (`picked_up`) or refuses
them (`refused`, with a reason: missing supporting papers, a ground that does not hold). A refusal
gives the count back to the business's quota for the day, since nothing was issued: the business
may come back with the right papers the same day. Both are in the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, select, update

from app.district import DistrictFacts
from app.errors import DomainError, InvalidRequest, InvalidStatusChange
from app.models import BulkDayCounter, BulkReservation, Business, StaffAccount
from app.repositories.store import Store
from app.services.bulk import daily_limit, seoul_day
from app.services.staff import require, staff_actor

STATUS_LABELS_KO = {"reserved": "예약", "picked_up": "수령 완료", "refused": "발급 거절"}
REFUSAL_REASON_MAX = 500


class BulkReservationNotFound(DomainError):
    """Raised when no bulk reservation has this number."""

    code = "reservation_not_found"
    status = 404
    title = "Reservation not found"


@dataclass(frozen=True, slots=True)
class ReservationLine:
    reservation: BulkReservation
    document_ko: str
    status_ko: str
    refusal_reason: str | None


@dataclass(frozen=True, slots=True)
class BusinessQueue:
    business: Business
    daily_limit: int
    used: int  # counted against today's quota (refusals given back)
    lines: list[ReservationLine] = field(default_factory=list)

    @property
    def remaining(self) -> int:
        return max(0, self.daily_limit - self.used)

    @property
    def waiting(self) -> int:
        return sum(ln.reservation.count for ln in self.lines if ln.reservation.status == "reserved")


@dataclass(frozen=True, slots=True)
class BulkCounterDay:
    day: date
    businesses: list[BusinessQueue]

    @property
    def waiting_count(self) -> int:
        return sum(b.waiting for b in self.businesses)


def _refusal_reasons(store: Store, reservation_ids: list[str]) -> dict[str, str]:
    reasons: dict[str, str] = {}
    for rid in reservation_ids:
        for row in store.audit.for_entity("bulk_reservation", rid):
            if row.action == "bulk_refused" and row.detail:
                reasons[rid] = str(row.detail.get("reason", ""))
    return reasons


def counter_day(
    store: Store, district: DistrictFacts, staff: StaffAccount, *, now: datetime
) -> BulkCounterDay:
    """Today's (Seoul day) reservations by business, businesses with waiting ones first.

    Raises:
        StaffForbidden.
    """
    require(staff, "bulk_queue")
    day = seoul_day(now)
    rows = store.bulk.for_day(day)
    refused = [r.reservation_id for r, _ in rows if r.status == "refused"]
    reasons = _refusal_reasons(store, refused)
    queues: dict[int, BusinessQueue] = {}
    for reservation, business in rows:
        queue = queues.get(business.id)
        if queue is None:
            queue = BusinessQueue(
                business, daily_limit(district, business), store.bulk.used(business.id, day)
            )
            queues[business.id] = queue
        queue.lines.append(
            ReservationLine(
                reservation,
                district.document_names_ko.get(reservation.document, reservation.document),
                STATUS_LABELS_KO.get(reservation.status, reservation.status),
                reasons.get(reservation.reservation_id),
            )
        )
    ordered = sorted(queues.values(), key=lambda q: (q.waiting == 0, q.business.name))
    return BulkCounterDay(day, ordered)


def _reserved_for_update(store: Store, reservation_id: str) -> tuple[BulkReservation, Business]:
    stmt = (
        select(BulkReservation, Business)
        .join(Business, Business.id == BulkReservation.business_id)
        .where(BulkReservation.reservation_id == reservation_id)
        .with_for_update()
    )
    row = store.session.execute(stmt).first()
    if row is None:
        raise BulkReservationNotFound("no such reservation")
    reservation, business = row
    if reservation.status != "reserved":
        raise InvalidStatusChange(f"{reservation.status} cannot change at the counter")
    return reservation, business


def mark_picked_up(
    store: Store, staff: StaffAccount, *, reservation_id: str, now: datetime
) -> BulkReservation:
    """Raises: StaffForbidden, BulkReservationNotFound, InvalidStatusChange."""
    require(staff, "bulk_queue")
    with store.transaction():
        reservation, business = _reserved_for_update(store, reservation_id)
        reservation.status = "picked_up"
        store.audit.record(
            actor=staff_actor(staff),
            action="bulk_picked_up",
            entity_type="bulk_reservation",
            entity_id=reservation.reservation_id,
            at=now,
            detail={"count": reservation.count, "business": business.business_number},
        )
    return reservation


def refuse(
    store: Store, staff: StaffAccount, *, reservation_id: str, reason: str, now: datetime
) -> BulkReservation:
    """Refuse a reservation at the counter and give its count back to the day's quota.

    Raises:
        StaffForbidden, InvalidRequest (no reason), BulkReservationNotFound, InvalidStatusChange.
    """
    require(staff, "bulk_queue")
    text = reason.strip()
    if not text or len(text) > REFUSAL_REASON_MAX:
        raise InvalidRequest("a refusal needs a short reason")
    with store.transaction():
        reservation, business = _reserved_for_update(store, reservation_id)
        reservation.status = "refused"
        result = cast(
            CursorResult[Any],
            store.session.execute(
                update(BulkDayCounter)
                .where(
                    BulkDayCounter.business_id == business.id,
                    BulkDayCounter.day == reservation.day,
                    BulkDayCounter.used >= reservation.count,
                )
                .values(used=BulkDayCounter.used - reservation.count)
            ),
        )
        store.audit.record(
            actor=staff_actor(staff),
            action="bulk_refused",
            entity_type="bulk_reservation",
            entity_id=reservation.reservation_id,
            at=now,
            detail={
                "reason": text,
                "count": reservation.count,
                "business": business.business_number,
                "quota_given_back": result.rowcount == 1,
            },
        )
    return reservation
