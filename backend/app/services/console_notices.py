"""Telling a resident of each home-delivery step, in the channel their order came from.

The console does not know how a message reaches a channel: it hands the conversation id and the
text to a `ResidentNotifier` (the Rasa client of the console framework pushes it into the
conversation). A notice that cannot be sent never undoes the status change it reports: the step
is already done at the door. Whether it went out is written to the audit log.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Protocol

from app.models import Order
from app.repositories.store import Store

logger = logging.getLogger(__name__)

# Polite 해요체, short; never why a delivery failed (the reason may read as blame).
DELIVERY_NOTICES: dict[str, str] = {
    "issued": (
        "[중구청 민원] 주문하신 {document} {copies}통이 발급됐어요. "
        "곧 댁으로 배달해 드릴게요. (주문번호 {order_id})"
    ),
    "out_for_delivery": (
        "[중구청 민원] {document}를 가지고 담당 직원이 출발했어요. "
        "받으실 때 신분증을 보여 주세요. (주문번호 {order_id})"
    ),
    "delivered": (
        "[중구청 민원] {document} 배달을 마쳤어요. 이용해 주셔서 감사합니다. (주문번호 {order_id})"
    ),
    "failed": (
        "[중구청 민원] 오늘 {document}를 전해 드리지 못했어요. "
        "담당 직원이 곧 다시 연락드릴게요. (주문번호 {order_id})"
    ),
}


class ResidentNotifier(Protocol):
    """Pushes one message into a resident's conversation; True when it was handed over."""

    def __call__(self, conversation_id: str, text: str) -> bool: ...


def delivery_notice(order: Order, document_names_ko: dict[str, str]) -> str:
    """The resident-facing sentence for the order's current status.

    Raises:
        KeyError: the status has no notice (accepted, cancelled).
    """
    template = DELIVERY_NOTICES[order.status]
    return template.format(
        document=document_names_ko.get(order.document, order.document),
        copies=order.copies,
        order_id=order.order_number,
    )


def tell_resident(
    store: Store,
    notifier: ResidentNotifier | None,
    order: Order,
    *,
    document_names_ko: dict[str, str],
    actor: str,
    now: datetime,
) -> bool:
    """Send the notice of the order's status and audit whether it went out (after the commit)."""
    sent = False
    if notifier is not None and order.status in DELIVERY_NOTICES:
        try:
            sent = bool(notifier(order.conversation_id, delivery_notice(order, document_names_ko)))
        except Exception:
            logger.warning(
                "resident_notice_failed",
                extra={"order_id": order.order_number, "status": order.status},
                exc_info=True,
            )
    with store.transaction():
        store.audit.record(
            actor=actor,
            action="resident_notified" if sent else "resident_notice_failed",
            entity_type="order",
            entity_id=order.order_number,
            at=now,
            detail={"status": order.status},
        )
    return sent
