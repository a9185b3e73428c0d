"""Certificate and delivery orders with their status history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Order, OrderStatusHistory


class OrderRepo:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, order: Order, *, actor: str) -> None:
        self.session.add(order)
        self.session.flush()
        self.add_history(order, actor=actor, at=order.created_at)

    def add_history(self, order: Order, *, actor: str, at: datetime) -> None:
        self.session.add(
            OrderStatusHistory(order_id=order.id, status=order.status, at=at, actor=actor)
        )

    def by_number(self, order_number: str, *, for_update: bool = False) -> Order | None:
        stmt = select(Order).where(Order.order_number == order_number)
        if for_update:
            stmt = stmt.with_for_update()
        return self.session.scalars(stmt).first()

    def by_idempotency_key(self, *, resident_id: int, key: str) -> Order | None:
        stmt = select(Order).where(Order.resident_id == resident_id, Order.idempotency_key == key)
        return self.session.scalars(stmt).first()

    def number_taken(self, order_number: str) -> bool:
        stmt = select(Order.id).where(Order.order_number == order_number)
        return self.session.scalars(stmt).first() is not None

    def for_resident(self, resident_id: int, *, limit: int) -> Sequence[Order]:
        stmt = (
            select(Order)
            .where(Order.resident_id == resident_id)
            .order_by(Order.created_at.desc(), Order.id.desc())
            .limit(limit)
        )
        return self.session.scalars(stmt).all()

    def deliveries(self, *, dong: str | None, statuses: Sequence[str]) -> Sequence[Order]:
        stmt = select(Order).where(Order.method == "delivery", Order.status.in_(statuses))
        if dong is not None:
            stmt = stmt.where(Order.dong == dong)
        return self.session.scalars(stmt.order_by(Order.deadline_at, Order.id)).all()

    def welfare_alerts(self) -> Sequence[Order]:
        stmt = select(Order).where(Order.welfare_alert.is_(True)).order_by(Order.updated_at.desc())
        return self.session.scalars(stmt).all()

    def history(self, order_id: int) -> Sequence[OrderStatusHistory]:
        stmt = (
            select(OrderStatusHistory)
            .where(OrderStatusHistory.order_id == order_id)
            .order_by(OrderStatusHistory.id)
        )
        return self.session.scalars(stmt).all()
