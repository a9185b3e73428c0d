"""Bulk reservations and the per-business, per-day counter that enforces the quota."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app.models import BulkDayCounter, BulkReservation, Business, BusinessToken


class BulkRepo:
    def __init__(self, session: Session) -> None:
        self.session = session

    def business(self, business_number: str) -> Business | None:
        stmt = select(Business).where(Business.business_number == business_number)
        return self.session.scalars(stmt).first()

    def _ensure_counter(self, business_id: int, day: date) -> None:
        dialect = self.session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        stmt = insert(BulkDayCounter).values(business_id=business_id, day=day, used=0)
        self.session.execute(stmt.on_conflict_do_nothing(index_elements=["business_id", "day"]))

    def take_within_limit(self, business_id: int, day: date, count: int, *, limit: int) -> bool:
        """Add `count` to the day's counter only if the sum stays within `limit`.

        One conditional UPDATE decides. On PostgreSQL a concurrent UPDATE of the same row waits
        for the row lock and then re-checks the WHERE clause against the committed value, so two
        requests can never both pass on the same remainder; SQLite serialises writers.
        """
        self._ensure_counter(business_id, day)
        stmt = (
            update(BulkDayCounter)
            .where(
                BulkDayCounter.business_id == business_id,
                BulkDayCounter.day == day,
                BulkDayCounter.used + count <= limit,
            )
            .values(used=BulkDayCounter.used + count)
        )
        result = cast(CursorResult[Any], self.session.execute(stmt))
        return result.rowcount == 1

    def used(self, business_id: int, day: date) -> int:
        stmt = select(BulkDayCounter.used).where(
            BulkDayCounter.business_id == business_id, BulkDayCounter.day == day
        )
        return int(self.session.scalars(stmt).first() or 0)

    def add(self, reservation: BulkReservation) -> None:
        self.session.add(reservation)
        self.session.flush()

    def by_idempotency_key(self, *, business_id: int, key: str) -> BulkReservation | None:
        stmt = select(BulkReservation).where(
            BulkReservation.business_id == business_id, BulkReservation.idempotency_key == key
        )
        return self.session.scalars(stmt).first()

    def for_day(self, day: date) -> Sequence[tuple[BulkReservation, Business]]:
        stmt = (
            select(BulkReservation, Business)
            .join(Business, Business.id == BulkReservation.business_id)
            .where(BulkReservation.day == day)
            .order_by(BulkReservation.created_at, BulkReservation.id)
        )
        return [(r, b) for r, b in self.session.execute(stmt).all()]

    def sum_for_day(self, business_id: int, day: date) -> int:
        """The day's reservations summed (the counter row must always equal this)."""
        stmt = select(func.coalesce(func.sum(BulkReservation.count), 0)).where(
            BulkReservation.business_id == business_id, BulkReservation.day == day
        )
        return int(self.session.scalar(stmt) or 0)

    def number_taken(self, reservation_id: str) -> bool:
        stmt = select(BulkReservation.id).where(BulkReservation.reservation_id == reservation_id)
        return self.session.scalars(stmt).first() is not None

    def token_by_hash(self, token_hash: str) -> BusinessToken | None:
        stmt = select(BusinessToken).where(BusinessToken.token_hash == token_hash)
        return self.session.scalars(stmt).first()

    def mark_token_used(self, token_id: int) -> bool:
        """Atomically mark an unused token used; False when another request was first."""
        stmt = (
            update(BusinessToken)
            .where(BusinessToken.id == token_id, BusinessToken.used.is_(False))
            .values(used=True)
        )
        result = cast(CursorResult[Any], self.session.execute(stmt))
        return result.rowcount == 1
