"""Counter-side progress of kiosk, counter and online orders (home delivery has its own flow)."""

from __future__ import annotations

import logging
from datetime import datetime

from app.errors import InvalidStatusChange, OrderNotFound
from app.models import Order, StaffAccount
from app.repositories.store import Store
from app.services.orders import set_status
from app.services.staff import staff_actor

logger = logging.getLogger(__name__)

# accepted -> issued -> ready_for_pickup -> picked_up; an online order ends when issued.
NEXT_STATUSES: dict[str, dict[str, frozenset[str]]] = {
    "counter": {
        "accepted": frozenset({"issued"}),
        "issued": frozenset({"ready_for_pickup"}),
        "ready_for_pickup": frozenset({"picked_up"}),
    },
    "kiosk": {
        "accepted": frozenset({"issued"}),
        "issued": frozenset({"ready_for_pickup"}),
        "ready_for_pickup": frozenset({"picked_up"}),
    },
    "online": {"accepted": frozenset({"issued"})},
}


def advance_order(
    store: Store, staff: StaffAccount, *, order_number: str, status: str, now: datetime
) -> Order:
    """Move a non-delivery order one step on.

    Raises:
        OrderNotFound: no such order, or a home delivery (see services/delivery.py).
        InvalidStatusChange: the step is not the next one in the order's flow.
    """
    with store.transaction():
        order = store.orders.by_number(order_number, for_update=True)
        if order is None or order.method not in NEXT_STATUSES:
            raise OrderNotFound("no such counter order")
        if status not in NEXT_STATUSES[order.method].get(order.status, frozenset()):
            raise InvalidStatusChange(f"{order.status} cannot become {status}")
        set_status(store, order, status, actor=staff_actor(staff), now=now)
    logger.info("order_status_changed", extra={"order_id": order.order_number, "status": status})
    return order
