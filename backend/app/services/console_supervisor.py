"""Today's figures for the supervisor: orders by method, deliveries on time, handoffs, bulk volume.

"Today" is the Seoul calendar day of `now`. A delivery is on time when its `delivered` step is
at or before its deadline; open deliveries are counted apart as still in time or overdue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from app.clock import SEOUL
from app.district import DistrictFacts
from app.errors import StaffForbidden
from app.models import (
    BulkDayCounter,
    BulkReservation,
    Business,
    HandoffTicket,
    Order,
    OrderStatusHistory,
    StaffAccount,
)
from app.repositories.store import Store
from app.services import delivery
from app.services.bulk import daily_limit, seoul_day

METHODS = ("kiosk", "counter", "online", "delivery")
METHOD_LABELS_KO = {
    "kiosk": "무인발급기",
    "counter": "창구",
    "online": "온라인",
    "delivery": "배달",
}


def require_supervisor(staff: StaffAccount) -> None:
    """Raises: StaffForbidden for every role but the supervisor's."""
    if staff.role != "supervisor":
        raise StaffForbidden(f"role {staff.role} may not see the supervisor view")


@dataclass(frozen=True, slots=True)
class DeliveryFigures:
    delivered_on_time: int
    delivered_late: int
    failed: int
    open_in_time: int
    open_overdue: int

    @property
    def delivered(self) -> int:
        return self.delivered_on_time + self.delivered_late

    @property
    def on_time_percent(self) -> int | None:
        return round(100 * self.delivered_on_time / self.delivered) if self.delivered else None


@dataclass(frozen=True, slots=True)
class HandoffFigures:
    waiting: int
    taken: int
    oldest_waiting_min: int | None

    @property
    def open(self) -> int:
        return self.waiting + self.taken


@dataclass(frozen=True, slots=True)
class BulkBusinessFigure:
    name: str
    business_number: str
    mou: bool
    used: int
    daily_limit: int
    picked_up: int
    refused: int


@dataclass(frozen=True, slots=True)
class SupervisorDay:
    day: date
    now: datetime
    orders_by_method: dict[str, int]
    deliveries: DeliveryFigures
    handoffs: HandoffFigures
    bulk: list[BulkBusinessFigure]
    care_cases_open: int

    @property
    def orders_total(self) -> int:
        return sum(self.orders_by_method.values())

    @property
    def bulk_used(self) -> int:
        return sum(b.used for b in self.bulk)


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0, 0), SEOUL)
    return start, start + timedelta(days=1)


def _orders_by_method(store: Store, start: datetime, end: datetime) -> dict[str, int]:
    stmt = (
        select(Order.method, func.count())
        .where(Order.created_at >= start, Order.created_at < end)
        .group_by(Order.method)
    )
    counts = {m: 0 for m in METHODS}
    for method, count in store.session.execute(stmt).all():
        counts[method] = int(count)
    return counts


def _delivery_figures(
    store: Store, start: datetime, end: datetime, now: datetime
) -> DeliveryFigures:
    finished = (
        select(Order.deadline_at, OrderStatusHistory.at, OrderStatusHistory.status)
        .join(OrderStatusHistory, OrderStatusHistory.order_id == Order.id)
        .where(
            Order.method == "delivery",
            OrderStatusHistory.status.in_(("delivered", "failed")),
            OrderStatusHistory.at >= start,
            OrderStatusHistory.at < end,
        )
    )
    on_time = late = failed = 0
    for deadline, at, status in store.session.execute(finished).all():
        if status == "failed":
            failed += 1
        elif deadline is None or at <= deadline:
            on_time += 1
        else:
            late += 1
    open_rows = store.session.execute(
        select(Order.deadline_at).where(
            Order.method == "delivery", Order.status.in_(delivery.OPEN_STATUSES)
        )
    ).all()
    overdue = sum(1 for (deadline,) in open_rows if deadline is not None and deadline < now)
    return DeliveryFigures(on_time, late, failed, len(open_rows) - overdue, overdue)


def _handoff_figures(store: Store, now: datetime) -> HandoffFigures:
    rows = store.session.execute(
        select(HandoffTicket.status, func.count(), func.min(HandoffTicket.created_at))
        .where(HandoffTicket.status.in_(("waiting", "taken")))
        .group_by(HandoffTicket.status)
    ).all()
    by_status = {status: (int(count), oldest) for status, count, oldest in rows}
    waiting, oldest = by_status.get("waiting", (0, None))
    oldest_min = int((now - oldest).total_seconds() // 60) if oldest is not None else None
    return HandoffFigures(waiting, by_status.get("taken", (0, None))[0], oldest_min)


def _bulk_figures(store: Store, district: DistrictFacts, day: date) -> list[BulkBusinessFigure]:
    used = dict(
        store.session.execute(
            select(BulkDayCounter.business_id, BulkDayCounter.used).where(BulkDayCounter.day == day)
        ).all()
    )
    by_status = store.session.execute(
        select(BulkReservation.business_id, BulkReservation.status, func.sum(BulkReservation.count))
        .where(BulkReservation.day == day)
        .group_by(BulkReservation.business_id, BulkReservation.status)
    ).all()
    counts: dict[int, dict[str, int]] = {}
    for business_id, status, total in by_status:
        counts.setdefault(business_id, {})[status] = int(total or 0)
    ids = set(used) | set(counts)
    if not ids:
        return []
    businesses = store.session.scalars(select(Business).where(Business.id.in_(ids))).all()
    figures = [
        BulkBusinessFigure(
            name=b.name,
            business_number=b.business_number,
            mou=b.mou,
            used=int(used.get(b.id, 0)),
            daily_limit=daily_limit(district, b),
            picked_up=counts.get(b.id, {}).get("picked_up", 0),
            refused=counts.get(b.id, {}).get("refused", 0),
        )
        for b in businesses
    ]
    return sorted(figures, key=lambda f: (-f.used, f.name))


def supervisor_day(
    store: Store, district: DistrictFacts, staff: StaffAccount, *, now: datetime
) -> SupervisorDay:
    """Raises: StaffForbidden unless a supervisor asks."""
    require_supervisor(staff)
    day = seoul_day(now)
    start, end = _day_bounds(day)
    care_open = store.session.scalar(
        select(func.count()).where(
            Order.welfare_alert.is_(True), Order.updated_at >= start, Order.updated_at < end
        )
    )
    return SupervisorDay(
        day=day,
        now=now.astimezone(SEOUL),
        orders_by_method=_orders_by_method(store, start, end),
        deliveries=_delivery_figures(store, start, end, now),
        handoffs=_handoff_figures(store, now),
        bulk=_bulk_figures(store, district, day),
        care_cases_open=int(care_open or 0),
    )


def as_dict(figures: SupervisorDay) -> dict[str, object]:
    """The JSON form of the figures (the API and the page's data)."""
    d = figures.deliveries
    h = figures.handoffs
    return {
        "date": figures.day.isoformat(),
        "orders_by_method": figures.orders_by_method,
        "orders_total": figures.orders_total,
        "deliveries": {
            "delivered_on_time": d.delivered_on_time,
            "delivered_late": d.delivered_late,
            "failed": d.failed,
            "open_in_time": d.open_in_time,
            "open_overdue": d.open_overdue,
            "on_time_percent": d.on_time_percent,
        },
        "handoffs": {
            "waiting": h.waiting,
            "taken": h.taken,
            "open": h.open,
            "oldest_waiting_min": h.oldest_waiting_min,
        },
        "bulk": [
            {
                "business_name": b.name,
                "business_number": b.business_number,
                "mou": b.mou,
                "used": b.used,
                "daily_limit": b.daily_limit,
                "picked_up": b.picked_up,
                "refused": b.refused,
            }
            for b in figures.bulk
        ],
        "bulk_used": figures.bulk_used,
        "care_cases_today": figures.care_cases_open,
    }
