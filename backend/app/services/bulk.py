"""Bulk reservations at the district office's dedicated bulk-issuance counter."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.exc import IntegrityError

from app.clock import SEOUL
from app.district import DistrictFacts
from app.errors import (
    BulkDocumentNotAllowed,
    BulkQuotaExceeded,
    BusinessUnknown,
    IdempotencyConflict,
    InvalidRequest,
)
from app.messages import render
from app.metrics import BULK_RESERVATIONS
from app.models import BulkReservation, Business
from app.repositories.store import Store
from app.services.idempotency import fingerprint
from app.services.order_numbers import new_order_number

logger = logging.getLogger(__name__)

_ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class Quota:
    business: Business
    daily_limit: int
    used_today: int
    day: date

    @property
    def remaining_today(self) -> int:
        return max(0, self.daily_limit - self.used_today)


@dataclass(frozen=True, slots=True)
class ReservationResult:
    reservation: BulkReservation
    business: Business
    remaining_today: int
    created: bool


def daily_limit(district: DistrictFacts, business: Business) -> int:
    return district.bulk_mou_daily_limit if business.mou else district.bulk_standard_daily_limit


def seoul_day(now: datetime) -> date:
    return now.astimezone(SEOUL).date()  # the quota resets on the Seoul calendar day, not UTC


def business_or_unknown(store: Store, business_number: str) -> Business:
    """Raises: BusinessUnknown."""
    business = store.bulk.business(business_number)
    if business is None:
        raise BusinessUnknown("business not registered")
    return business


def quota_today(
    store: Store, district: DistrictFacts, *, business_number: str, now: datetime
) -> Quota:
    """Raises: BusinessUnknown."""
    business = business_or_unknown(store, business_number)
    day = seoul_day(now)
    return Quota(business, daily_limit(district, business), store.bulk.used(business.id, day), day)


def pickup_place(district: DistrictFacts) -> str:
    return render("pickup_bulk", office=district.office)


def reserve_bulk(
    store: Store,
    district: DistrictFacts,
    *,
    business_number: str,
    document: str,
    count: int,
    conversation_id: str,
    idempotency_key: str,
    now: datetime,
) -> ReservationResult:
    """Reserve `count` documents for today within the business's daily limit.

    Raises:
        BusinessUnknown, BulkDocumentNotAllowed, InvalidRequest, BulkQuotaExceeded,
        IdempotencyConflict.
    """
    if document not in district.bulk_documents:
        raise BulkDocumentNotAllowed(f"{document} is not issued in bulk")
    if count < 1:
        raise InvalidRequest("count must be at least 1")
    day = seoul_day(now)
    request_fp = fingerprint(
        {
            "conversation_id": conversation_id,
            "business_number": business_number,
            "document": document,
            "count": count,
        }
    )
    actor = f"business:{business_number}"
    for _ in range(_ATTEMPTS):
        refused_remaining: int | None = None
        try:
            with store.transaction():
                business = business_or_unknown(store, business_number)
                limit = daily_limit(district, business)
                existing = store.bulk.by_idempotency_key(
                    business_id=business.id, key=idempotency_key
                )
                if existing is not None:
                    if existing.request_fingerprint != request_fp:
                        raise IdempotencyConflict("key reused with another request")
                    remaining = limit - store.bulk.used(business.id, existing.day)
                    return ReservationResult(existing, business, remaining, created=False)
                # One conditional UPDATE decides; reading the total first would race.
                if count > limit or not store.bulk.take_within_limit(
                    business.id, day, count, limit=limit
                ):
                    refused_remaining = max(0, limit - store.bulk.used(business.id, day))
                else:
                    reservation = BulkReservation(
                        reservation_id=_free_reservation_number(store),
                        business_id=business.id,
                        conversation_id=conversation_id,
                        idempotency_key=idempotency_key,
                        request_fingerprint=request_fp,
                        document=document,
                        count=count,
                        day=day,
                        status="reserved",
                        created_at=now,
                    )
                    store.bulk.add(reservation)
                    remaining = limit - store.bulk.used(business.id, day)
                    store.audit.record(
                        actor=actor,
                        action="bulk_reserved",
                        entity_type="bulk_reservation",
                        entity_id=reservation.reservation_id,
                        at=now,
                        detail={"count": count, "document": document, "day": day.isoformat()},
                    )
        except IntegrityError:
            continue  # the same key won concurrently: the next pass returns the stored one
        if refused_remaining is not None:
            BULK_RESERVATIONS.labels(outcome="refused").inc()
            logger.info("bulk_refused", extra={"count": count, "remaining": refused_remaining})
            raise BulkQuotaExceeded(remaining=refused_remaining)
        BULK_RESERVATIONS.labels(outcome="accepted").inc()
        logger.info(
            "bulk_reserved", extra={"reservation_id": reservation.reservation_id, "count": count}
        )
        return ReservationResult(reservation, business, remaining, created=True)
    raise RuntimeError("bulk reservation kept colliding")


def _free_reservation_number(store: Store) -> str:
    """8 random digits like an order number (not guessable, never read as a birth date)."""
    number = new_order_number()
    while store.bulk.number_taken(number):
        number = new_order_number()
    return number


def queue_for_day(store: Store, day: date) -> list[tuple[BulkReservation, Business]]:
    return list(store.bulk.for_day(day))
