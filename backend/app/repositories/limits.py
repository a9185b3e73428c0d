"""Counted attempts of throttled actions, and the locks that keep the counts exact."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from app.models import RateLimitHit


def advisory_key(name: str) -> int:
    """A 60-bit number for `name` (fits PostgreSQL's bigint advisory lock keys)."""
    return int(hashlib.sha256(name.encode()).hexdigest()[:15], 16)


class RateLimitRepo:
    def __init__(self, session: Session) -> None:
        self.session = session

    def lock(self, names: Iterable[str]) -> None:
        """Serialise, until the transaction ends, every request that counts under these names.

        PostgreSQL: transaction-scoped advisory locks, taken in one sorted order so two
        requests never wait for each other crosswise. SQLite already serialises writers.
        """
        if self.session.get_bind().dialect.name != "postgresql":
            return
        for key in sorted({advisory_key(n) for n in names}):
            self.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})

    def count_since(
        self, *, scope: str, subject: str, since: datetime
    ) -> tuple[int, datetime | None]:
        stmt = select(func.count(), func.min(RateLimitHit.at)).where(
            RateLimitHit.scope == scope, RateLimitHit.subject == subject, RateLimitHit.at > since
        )
        count, oldest = self.session.execute(stmt).one()
        return int(count), oldest

    def add(self, *, scope: str, subject: str, at: datetime) -> int:
        hit = RateLimitHit(scope=scope, subject=subject, at=at)
        self.session.add(hit)
        self.session.flush()
        return hit.id

    def remove(self, hit_id: int) -> None:
        self.session.execute(delete(RateLimitHit).where(RateLimitHit.id == hit_id))

    def prune(self, *, scope: str, subject: str, before: datetime) -> None:
        """Forget this subject's hits that no window can count any more."""
        self.session.execute(
            delete(RateLimitHit).where(
                RateLimitHit.scope == scope,
                RateLimitHit.subject == subject,
                RateLimitHit.at <= before,
            )
        )
