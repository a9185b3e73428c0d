"""Handoff tickets and the steps staff take on them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.models import HandoffTicket

if TYPE_CHECKING:
    from app.console.models import HandoffEntry


def _entry_model() -> type[HandoffEntry]:
    # Imported when first used: app.console's package imports routes that import this module.
    from app.console.models import HandoffEntry

    return HandoffEntry


class HandoffRepo:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, ticket: HandoffTicket) -> None:
        self.session.add(ticket)
        self.session.flush()

    def by_ticket_id(self, ticket_id: str, *, for_update: bool = False) -> HandoffTicket | None:
        stmt = select(HandoffTicket).where(HandoffTicket.ticket_id == ticket_id)
        if for_update:
            stmt = stmt.with_for_update()
        return self.session.scalars(stmt).first()

    def listing(self, *, statuses: Sequence[str]) -> Sequence[HandoffTicket]:
        stmt = (
            select(HandoffTicket)
            .where(HandoffTicket.status.in_(statuses))
            .order_by(HandoffTicket.created_at, HandoffTicket.id)
        )
        return self.session.scalars(stmt).all()

    def claim(self, ticket_id: str, staff_id: int, now: datetime) -> bool:
        """Take a waiting ticket in one conditional UPDATE: of two staff taking it at once,
        exactly one changes the row (the other's UPDATE finds it no longer waiting)."""
        result = self.session.execute(
            update(HandoffTicket)
            .where(HandoffTicket.ticket_id == ticket_id, HandoffTicket.status == "waiting")
            .values(status="taken", assignee_id=staff_id, taken_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def add_entry(self, entry: HandoffEntry) -> None:
        self.session.add(entry)
        self.session.flush()

    def entries(self, ticket_pk: int) -> Sequence[HandoffEntry]:
        HandoffEntry = _entry_model()
        stmt = (
            select(HandoffEntry)
            .where(HandoffEntry.ticket_pk == ticket_pk)
            .order_by(HandoffEntry.created_at, HandoffEntry.id)
        )
        return self.session.scalars(stmt).all()

    def escalated_ticket_pks(self, ticket_pks: Sequence[int]) -> set[int]:
        if not ticket_pks:
            return set()
        HandoffEntry = _entry_model()
        stmt = select(HandoffEntry.ticket_pk).where(
            HandoffEntry.kind == "escalation", HandoffEntry.ticket_pk.in_(ticket_pks)
        )
        return set(self.session.scalars(stmt).all())

    def waiting_since(self, cutoff: datetime) -> Sequence[HandoffTicket]:
        stmt = (
            select(HandoffTicket)
            .where(HandoffTicket.status == "waiting", HandoffTicket.created_at <= cutoff)
            .order_by(HandoffTicket.created_at, HandoffTicket.id)
        )
        return self.session.scalars(stmt).all()

    def open_callbacks(self) -> Sequence[tuple[HandoffEntry, HandoffTicket]]:
        HandoffEntry = _entry_model()
        stmt = (
            select(HandoffEntry, HandoffTicket)
            .join(HandoffTicket, HandoffTicket.id == HandoffEntry.ticket_pk)
            .where(HandoffEntry.kind == "callback", HandoffEntry.done_at.is_(None))
            .order_by(HandoffEntry.created_at, HandoffEntry.id)
        )
        return [(e, t) for e, t in self.session.execute(stmt).all()]
