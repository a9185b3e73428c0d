"""Handoff tickets."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import HandoffTicket


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
