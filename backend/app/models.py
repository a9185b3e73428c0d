"""SQLAlchemy 2 tables. Times are stored as UTC and read back aware (see `UtcDateTime`)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on SQLite and PostgreSQL alike."""

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    pass


class Resident(Base):
    __tablename__ = "residents"
    __table_args__ = (
        UniqueConstraint("name", "birth_date", "phone", name="uq_residents_identity"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    birth_date: Mapped[date] = mapped_column(Date)
    phone: Mapped[str] = mapped_column(String(20), index=True)
    dong: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(200))
    disability: Mapped[bool] = mapped_column(Boolean, default=False)
    pregnant: Mapped[bool] = mapped_column(Boolean, default=False)


class Business(Base):
    __tablename__ = "businesses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    business_number: Mapped[str] = mapped_column(String(10), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    mou: Mapped[bool] = mapped_column(Boolean, default=False)
    # The registered contact's phone: bulk reservations need a code sent there (or a staff token).
    contact_phone: Mapped[str | None] = mapped_column(String(20), nullable=True)


class IdentityChallenge(Base):
    __tablename__ = "identity_challenges"
    __table_args__ = (
        Index("ix_challenges_phone_key_created", "phone_key", "created_at"),
        Index("ix_challenges_conversation_created", "conversation_id", "created_at"),
        Index("ix_challenges_client_key_created", "client_key", "created_at"),
        Index("ix_challenges_created", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(200))
    # HMAC of the client (web chat / REST `client_key`, else the conversation) that asked.
    client_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # "identity" (a resident) or "business" (a bulk-issuance business's contact phone).
    purpose: Mapped[str] = mapped_column(String(20), default="identity", server_default="identity")
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"), nullable=True)
    business_id: Mapped[int | None] = mapped_column(ForeignKey("businesses.id"), nullable=True)
    phone_key: Mapped[str] = mapped_column(String(64))  # HMAC of the phone asked for
    code_hash: Mapped[str] = mapped_column(String(64))  # HMAC-SHA256 of the code, never the code
    failed_tries: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(20), default="open")  # open|verified|locked
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)


class IdentityToken(Base):
    __tablename__ = "identity_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    conversation_id: Mapped[str] = mapped_column(String(200))
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)


class BusinessToken(Base):
    """Proof that a business is acting: from its SMS code or from a staff-issued token.

    A token from a code is bound to the conversation that verified it. A staff-issued token is
    bound to no conversation until it is exchanged, once, for a conversation-bound one.
    """

    __tablename__ = "business_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"))
    conversation_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    source: Mapped[str] = mapped_column(String(20))  # sms|staff|exchanged
    issued_by: Mapped[str] = mapped_column(String(100))  # audit actor
    used: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)


class RateLimitHit(Base):
    """One counted attempt of a throttled action (staff login, order look-up, token exchange)."""

    __tablename__ = "rate_limit_hits"
    __table_args__ = (Index("ix_rate_limit_scope_subject_at", "scope", "subject", "at"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True
    )
    scope: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(64))  # HMAC of the account, client, conversation
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class SmsOutbox(Base):
    __tablename__ = "sms_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    to_phone: Mapped[str] = mapped_column(String(20), index=True)
    text: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("resident_id", "idempotency_key", name="uq_orders_idempotency"),
        Index("ix_orders_method_dong_status", "method", "dong", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_number: Mapped[str] = mapped_column(String(8), unique=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    conversation_id: Mapped[str] = mapped_column(String(200))
    idempotency_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    request_fingerprint: Mapped[str] = mapped_column(String(64))
    document: Mapped[str] = mapped_column(String(40))
    copies: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(20))
    fee_krw: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(30))
    dong: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    deadline_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    delivery_address: Mapped[str | None] = mapped_column(String(200), nullable=True)
    eligibility_reasons: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    id_checked: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    welfare_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    welfare_alert: Mapped[bool] = mapped_column(Boolean, default=False)


class OrderStatusHistory(Base):
    __tablename__ = "order_status_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    status: Mapped[str] = mapped_column(String(30))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(100))


class BulkDayCounter(Base):
    """One row per business and Seoul day; a conditional UPDATE on it enforces the quota."""

    __tablename__ = "bulk_day_counters"

    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    used: Mapped[int] = mapped_column(Integer, default=0)


class BulkReservation(Base):
    __tablename__ = "bulk_reservations"
    __table_args__ = (
        UniqueConstraint("business_id", "idempotency_key", name="uq_bulk_idempotency"),
        Index("ix_bulk_day", "day"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reservation_id: Mapped[str] = mapped_column(String(32), unique=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"))
    conversation_id: Mapped[str] = mapped_column(String(200))
    idempotency_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    request_fingerprint: Mapped[str] = mapped_column(String(64))
    document: Mapped[str] = mapped_column(String(40))
    count: Mapped[int] = mapped_column(Integer)
    day: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="reserved")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class HandoffTicket(Base):
    __tablename__ = "handoff_tickets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[str] = mapped_column(String(32), unique=True)
    conversation_id: Mapped[str] = mapped_column(String(200), index=True)
    channel: Mapped[str] = mapped_column(String(40))
    sender_id: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(String(100))
    summary: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), index=True)  # waiting|taken|resolved
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    taken_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class StaffAccount(Base):
    __tablename__ = "staff_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20))  # counter|dong_courier|supervisor
    dong: Mapped[str | None] = mapped_column(String(20), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class StaffToken(Base):
    __tablename__ = "staff_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_accounts.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AuditLog(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(100))  # resident:<id>|staff:<username>|system
    action: Mapped[str] = mapped_column(String(60))
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(64))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
