"""Home-delivery dispatch: the dong's list with deadlines, status updates at the door."""

from __future__ import annotations

import logging
from datetime import datetime

from app.district import DistrictFacts
from app.errors import InvalidRequest, InvalidStatusChange, OrderNotFound, UnknownDong
from app.models import Order, StaffAccount
from app.repositories.store import Store
from app.services.orders import set_status
from app.services.staff import require_dong, staff_actor

logger = logging.getLogger(__name__)

OPEN_STATUSES = ("accepted", "issued", "out_for_delivery")
NEXT_STATUSES: dict[str, frozenset[str]] = {
    "accepted": frozenset({"issued"}),
    "issued": frozenset({"out_for_delivery"}),
    "out_for_delivery": frozenset({"delivered", "failed"}),
}


def check_dong(district: DistrictFacts, dong: str) -> None:
    """Raises: UnknownDong."""
    if dong not in district.dongs:
        raise UnknownDong("not a dong of this district")


def list_deliveries(
    store: Store,
    district: DistrictFacts,
    staff: StaffAccount,
    *,
    dong: str | None,
    include_closed: bool,
) -> list[Order]:
    """Open deliveries (by deadline) of one dong; a courier sees only their own dong.

    Raises:
        UnknownDong, WrongDong.
    """
    if dong is None and staff.role == "dong_courier":
        dong = staff.dong
    if dong is not None:
        check_dong(district, dong)
        require_dong(staff, dong)
    statuses = OPEN_STATUSES + (("delivered", "failed", "cancelled") if include_closed else ())
    return list(store.orders.deliveries(dong=dong, statuses=statuses))


def update_delivery(
    store: Store,
    staff: StaffAccount,
    *,
    order_number: str,
    status: str,
    id_checked: bool | None,
    welfare_note: str | None,
    welfare_alert: bool,
    now: datetime,
) -> Order:
    """Move a delivery along accepted → issued → out_for_delivery → delivered | failed.

    Delivered needs `id_checked` true: the certificate is handed over only after the courier
    has seen the resident's ID. A welfare alert puts the case on the care-services list.

    Raises:
        OrderNotFound, WrongDong, InvalidStatusChange, InvalidRequest.
    """
    with store.transaction():
        order = store.orders.by_number(order_number, for_update=True)
        if order is None or order.method != "delivery":
            raise OrderNotFound("no such delivery")
        require_dong(staff, order.dong)
        if status not in NEXT_STATUSES.get(order.status, frozenset()):
            raise InvalidStatusChange(f"{order.status} cannot become {status}")
        if status == "delivered" and id_checked is not True:
            raise InvalidRequest("a delivery is completed only after the ID check at the door")
        if status in ("delivered", "failed"):
            order.id_checked = id_checked
            order.welfare_note = welfare_note
        if welfare_alert:
            order.welfare_alert = True
        set_status(
            store,
            order,
            status,
            actor=staff_actor(staff),
            now=now,
            detail={"id_checked": id_checked, "welfare_alert": welfare_alert},
        )
    logger.info(
        "delivery_status_changed",
        extra={"order_id": order.order_number, "status": status, "welfare_alert": welfare_alert},
    )
    return order


def care_cases(store: Store) -> list[Order]:
    return list(store.orders.welfare_alerts())
