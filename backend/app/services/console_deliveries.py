"""The delivery board: home deliveries by dong, overdue ones on top, each step told to the resident.

Built on `services/delivery.py` (its rules decide who may see and move what: a dong courier only
their own dong, delivered only after the ID check). This module adds what the board needs: the
time left to the 3-hour deadline, the grouping by dong, a reason for a failed delivery, and the
notice to the resident after each step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from app.clock import SEOUL
from app.district import DistrictFacts
from app.errors import InvalidRequest, OrderNotFound
from app.models import Order, StaffAccount
from app.repositories.store import Store
from app.services import delivery
from app.services.console_notices import ResidentNotifier, tell_resident
from app.services.staff import require, require_dong, staff_actor

STATUS_LABELS_KO: dict[str, str] = {
    "accepted": "접수",
    "issued": "발급 완료",
    "out_for_delivery": "배달 중",
    "delivered": "배달 완료",
    "failed": "배달 못 함",
    "cancelled": "취소",
}
NEXT_STEP: dict[str, str] = {"accepted": "issued", "issued": "out_for_delivery"}
FAILURE_REASON_MAX = 500


@dataclass(frozen=True, slots=True)
class DeliveryCard:
    order: Order
    document_ko: str
    status_ko: str
    deadline_at: datetime | None  # Seoul time
    seconds_left: int | None  # negative once overdue; None when closed or without a deadline
    overdue: bool
    next_step: str | None  # the one plain step forward (issued, out_for_delivery), if any
    can_finish: bool  # out for delivery: delivered or failed may be recorded


@dataclass(frozen=True, slots=True)
class DongGroup:
    dong: str
    cards: list[DeliveryCard]

    @property
    def overdue_count(self) -> int:
        return sum(1 for c in self.cards if c.overdue)


@dataclass(frozen=True, slots=True)
class DeliveryBoard:
    now: datetime  # Seoul time
    groups: list[DongGroup] = field(default_factory=list)
    dongs: tuple[str, ...] = ()  # what the viewer may pick (a courier: their own dong)

    @property
    def open_count(self) -> int:
        return sum(len(g.cards) for g in self.groups)

    @property
    def overdue_count(self) -> int:
        return sum(g.overdue_count for g in self.groups)


def card(order: Order, district: DistrictFacts, now: datetime) -> DeliveryCard:
    deadline = order.deadline_at.astimezone(SEOUL) if order.deadline_at else None
    is_open = order.status in delivery.OPEN_STATUSES
    seconds_left = int((deadline - now).total_seconds()) if deadline and is_open else None
    return DeliveryCard(
        order=order,
        document_ko=district.document_names_ko.get(order.document, order.document),
        status_ko=STATUS_LABELS_KO.get(order.status, order.status),
        deadline_at=deadline,
        seconds_left=seconds_left,
        overdue=seconds_left is not None and seconds_left < 0,
        next_step=NEXT_STEP.get(order.status),
        can_finish=order.status == "out_for_delivery",
    )


def _order_key(c: DeliveryCard) -> tuple[int, float, int]:
    # Overdue first (most overdue on top), then the soonest deadline, closed ones last.
    if c.seconds_left is None:
        return (2, 0.0, c.order.id)
    return (0 if c.overdue else 1, float(c.seconds_left), c.order.id)


def delivery_board(
    store: Store,
    district: DistrictFacts,
    staff: StaffAccount,
    *,
    now: datetime,
    dong: str | None = None,
    include_closed: bool = False,
) -> DeliveryBoard:
    """Open deliveries grouped by dong; dongs with overdue orders first.

    A courier gets their own dong whatever `dong` says is refused (services/delivery.py).

    Raises:
        StaffForbidden, UnknownDong, WrongDong.
    """
    require(staff, "deliveries")
    orders = delivery.list_deliveries(
        store, district, staff, dong=dong, include_closed=include_closed
    )
    local_now = now.astimezone(SEOUL)
    by_dong: dict[str, list[DeliveryCard]] = {}
    for order in orders:
        by_dong.setdefault(order.dong, []).append(card(order, district, local_now))
    groups = [DongGroup(d, sorted(cards, key=_order_key)) for d, cards in by_dong.items()]
    rank = {d: i for i, d in enumerate(district.dongs)}
    groups.sort(key=lambda g: (-g.overdue_count, rank.get(g.dong, len(rank))))
    dongs = (staff.dong,) if staff.role == "dong_courier" and staff.dong else district.dongs
    return DeliveryBoard(now=local_now, groups=groups, dongs=dongs)


def move_delivery(
    store: Store,
    district: DistrictFacts,
    staff: StaffAccount,
    notifier: ResidentNotifier | None,
    *,
    order_number: str,
    status: str,
    now: datetime,
    id_checked: bool | None = None,
    welfare_note: str | None = None,
    welfare_alert: bool = False,
    failure_reason: str | None = None,
) -> tuple[Order, bool]:
    """One step of a delivery, audited, then told to the resident.

    A failed delivery needs a reason (kept in the audit log, never sent to the resident).
    Returns the order and whether the resident's notice was handed to their channel.

    Raises:
        StaffForbidden, OrderNotFound, WrongDong, InvalidStatusChange, InvalidRequest.
    """
    require(staff, "deliveries")
    reason = (failure_reason or "").strip()
    if status == "failed" and not reason:
        raise InvalidRequest("a failed delivery needs a reason")
    if len(reason) > FAILURE_REASON_MAX or len(welfare_note or "") > 2000:
        raise InvalidRequest("text too long")
    order = delivery.update_delivery(
        store,
        staff,
        order_number=order_number,
        status=status,
        id_checked=id_checked,
        welfare_note=(welfare_note or "").strip() or None,
        welfare_alert=welfare_alert,
        now=now,
    )
    actor = staff_actor(staff)
    if status == "failed" or welfare_alert:
        with store.transaction():
            if status == "failed":
                store.audit.record(
                    actor=actor,
                    action="delivery_failed",
                    entity_type="order",
                    entity_id=order.order_number,
                    at=now,
                    detail={"reason": reason},
                )
            if welfare_alert:
                store.audit.record(
                    actor=actor,
                    action="welfare_alert_raised",
                    entity_type="order",
                    entity_id=order.order_number,
                    at=now,
                    detail={"dong": order.dong},
                )
    told = tell_resident(
        store,
        notifier,
        order,
        document_names_ko=district.document_names_ko,
        actor=actor,
        now=now,
    )
    return order, told


def raise_welfare_alert(
    store: Store, staff: StaffAccount, *, order_number: str, note: str, now: datetime
) -> Order:
    """Put a delivery on the care-services list without moving it (the courier saw a need).

    Raises:
        StaffForbidden, OrderNotFound, WrongDong, InvalidRequest.
    """
    require(staff, "deliveries")
    text = note.strip()
    if not text or len(text) > 2000:
        raise InvalidRequest("a welfare alert needs a short note")
    with store.transaction():
        order = store.orders.by_number(order_number, for_update=True)
        if order is None or order.method != "delivery":
            raise OrderNotFound("no such delivery")
        require_dong(staff, order.dong)
        order.welfare_alert = True
        order.welfare_note = text if not order.welfare_note else f"{order.welfare_note}\n{text}"
        order.updated_at = now
        store.audit.record(
            actor=staff_actor(staff),
            action="welfare_alert_raised",
            entity_type="order",
            entity_id=order.order_number,
            at=now,
            detail={"dong": order.dong},
        )
    return order


def failure_reasons(store: Store, order_numbers: list[str]) -> dict[str, str]:
    """The recorded reason of each failed delivery among `order_numbers` (latest wins)."""
    reasons: dict[str, str] = {}
    for number in order_numbers:
        for row in store.audit.for_entity("order", number):
            if row.action == "delivery_failed" and row.detail:
                reasons[number] = str(row.detail.get("reason", ""))
    return reasons
