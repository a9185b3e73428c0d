"""One session and its repositories, handed to services as a unit."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session, SessionTransaction

from app.db import writing
from app.repositories.audit import AuditRepo
from app.repositories.bulk import BulkRepo
from app.repositories.handoff import HandoffRepo
from app.repositories.identity import IdentityRepo
from app.repositories.limits import RateLimitRepo
from app.repositories.orders import OrderRepo
from app.repositories.outbox import OutboxRepo
from app.repositories.staff import StaffRepo


class Store:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.identity = IdentityRepo(session)
        self.orders = OrderRepo(session)
        self.bulk = BulkRepo(session)
        self.handoff = HandoffRepo(session)
        self.staff = StaffRepo(session)
        self.audit = AuditRepo(session)
        self.outbox = OutboxRepo(session)
        self.limits = RateLimitRepo(session)

    @contextmanager
    def transaction(self) -> Iterator[SessionTransaction]:
        """Begin a write transaction; commits on leaving the block, rolls back on an exception.

        Reads done earlier in the request (the identity check) autobegan a read transaction: end
        it first, so the unit of work starts fresh. On SQLite this one takes the write lock.
        """
        if self.session.in_transaction():
            self.session.commit()
        with writing(), self.session.begin() as transaction:
            yield transaction
