"""Reading the stored SMS outbox (dev profile)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import SmsOutbox


class OutboxRepo:
    def __init__(self, session: Session) -> None:
        self.session = session

    def for_phone(self, phone: str, *, limit: int = 50) -> Sequence[SmsOutbox]:
        """The newest `limit` messages to `phone`, oldest first (so `[-1]` is the latest)."""
        stmt = (
            select(SmsOutbox)
            .where(SmsOutbox.to_phone == phone)
            .order_by(SmsOutbox.id.desc())
            .limit(limit)
        )
        return list(reversed(self.session.scalars(stmt).all()))
