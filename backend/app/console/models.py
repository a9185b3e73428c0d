"""The console's tables: server-side sessions and what staff did on a handoff ticket.

They live on the backend's one `Base` (app.models), so Alembic's schema check covers them; the
migration is alembic/versions/0003_console.py.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models import Base, UtcDateTime


class ConsoleSession(Base):
    """One browser's login. The cookie holds a random token; the row holds its keyed hash."""

    __tablename__ = "console_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_accounts.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)


class HandoffEntry(Base):
    """A step on a ticket beside its status: a staff reply (and how it reaches the resident),
    a call-back task, a hand-back, the resolution note, an escalation to the supervisors."""

    __tablename__ = "handoff_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_pk: Mapped[int] = mapped_column(ForeignKey("handoff_tickets.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # reply|callback|handback|note|escalation
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"), nullable=True)
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
    delivery: Mapped[str | None] = mapped_column(String(20), nullable=True)  # now|next_message
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
