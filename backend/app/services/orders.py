"""Certificate orders: fee, order number, idempotency, status history, cancel."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from app.clock import SEOUL
from app.district import DistrictFacts
from app.errors import (
    DeliveryNotEligible,
    IdempotencyConflict,
    OrderNotCancellable,
    OrderNotFound,
)
from app.messages import render
from app.metrics import ORDERS_CREATED
from app.models import Order, Resident
from app.repositories.store import Store
from app.services.deadlines import delivery_deadline
from app.services.eligibility import eligibility_reasons
from app.services.fees import quote_fee
from app.services.idempotency import fingerprint
from app.services.masking import mask_address
from app.services.order_numbers import new_order_number

logger = logging.getLogger(__name__)

_CREATE_ATTEMPTS = 5
# Where cancelling is still allowed: before issue, and for home delivery until it leaves.
CANCELLABLE = {"delivery": {"accepted", "issued"}}
CANCELLABLE_DEFAULT = {"accepted"}


@dataclass(frozen=True, slots=True)
class OrderResult:
    order: Order
    created: bool


def resident_actor(resident: Resident) -> str:
    return f"resident:{resident.id}"


def create_order(
    store: Store,
    district: DistrictFacts,
    *,
    resident: Resident,
    conversation_id: str,
    document: str,
    copies: int,
    method: str,
    idempotency_key: str,
    now: datetime,
) -> OrderResult:
    """Create an order, or return the stored one for a replayed idempotency key.

    Raises:
        UnknownDocument, CopiesOutOfRange, MethodNotAvailable, DocumentNotDeliverable,
        DeliveryNotEligible, IdempotencyConflict.
    """
    request_fp = fingerprint(
        {
            "conversation_id": conversation_id,
            "document": document,
            "copies": copies,
            "method": method,
        }
    )
    for _ in range(_CREATE_ATTEMPTS):
        try:
            with store.transaction():
                existing = store.orders.by_idempotency_key(
                    resident_id=resident.id, key=idempotency_key
                )
                if existing is not None:
                    if existing.request_fingerprint != request_fp:
                        raise IdempotencyConflict("key reused with another request")
                    return OrderResult(existing, created=False)
                order = _new_order(
                    district,
                    resident=resident,
                    conversation_id=conversation_id,
                    document=document,
                    copies=copies,
                    method=method,
                    now=now,
                )
                order.idempotency_key, order.request_fingerprint = idempotency_key, request_fp
                while store.orders.number_taken(order.order_number):
                    order.order_number = new_order_number()
                store.orders.add(order, actor=resident_actor(resident))
                store.audit.record(
                    actor=resident_actor(resident),
                    action="order_created",
                    entity_type="order",
                    entity_id=order.order_number,
                    at=now,
                    detail={"method": method, "document": document, "copies": copies},
                )
        except IntegrityError:
            # A concurrent request with the same key (or, rarely, the same number) won the
            # unique constraint: loop, and the next pass finds the stored order.
            continue
        ORDERS_CREATED.labels(method=method).inc()
        logger.info(
            "order_created",
            extra={
                "order_id": order.order_number,
                "method": method,
                "conversation_id": conversation_id,
            },
        )
        return OrderResult(order, created=True)
    raise RuntimeError("order creation kept colliding")


def _new_order(
    district: DistrictFacts,
    *,
    resident: Resident,
    conversation_id: str,
    document: str,
    copies: int,
    method: str,
    now: datetime,
) -> Order:
    quote = quote_fee(district, document=document, method=method, copies=copies)
    order = Order(
        order_number=new_order_number(),
        resident_id=resident.id,
        conversation_id=conversation_id,
        document=document,
        copies=copies,
        method=method,
        fee_krw=quote.fee_krw,
        status="accepted",
        dong=resident.dong,
        created_at=now,
        updated_at=now,
        welfare_alert=False,
    )
    if method == "delivery":
        reasons = eligibility_reasons(
            resident, district.delivery_eligible, now.astimezone(SEOUL).date()
        )
        if not reasons:
            raise DeliveryNotEligible("resident meets no delivery condition")
        # Delivery goes only to the registered address, assigned to that address's dong.
        order.delivery_address = resident.address
        order.eligibility_reasons = reasons
        order.deadline_at = delivery_deadline(district, now)
    return order


def get_order(store: Store, order_number: str) -> Order:
    """Raises: OrderNotFound."""
    order = store.orders.by_number(order_number) if order_number.isdigit() else None
    if order is None:
        raise OrderNotFound("no such order")
    return order


def list_orders(store: Store, resident: Resident, *, limit: int) -> list[Order]:
    return list(store.orders.for_resident(resident.id, limit=limit))


def cancel_order(store: Store, *, resident: Resident, order_number: str, now: datetime) -> Order:
    """Cancel the resident's own order while it is still cancellable.

    Raises:
        OrderNotFound: no such order, or another resident's.
        OrderNotCancellable: past the cancellable statuses.
    """
    with store.transaction():
        order = (
            store.orders.by_number(order_number, for_update=True)
            if order_number.isdigit()
            else None
        )
        if order is None or order.resident_id != resident.id:
            raise OrderNotFound("no such order for this resident")
        if order.status == "cancelled":
            return order  # cancelling twice is answered like the first time
        if order.status not in CANCELLABLE.get(order.method, CANCELLABLE_DEFAULT):
            raise OrderNotCancellable(order.status)
        set_status(store, order, "cancelled", actor=resident_actor(resident), now=now)
    logger.info("order_cancelled", extra={"order_id": order.order_number})
    return order


def set_status(
    store: Store,
    order: Order,
    status: str,
    *,
    actor: str,
    now: datetime,
    detail: dict[str, Any] | None = None,
) -> None:
    """Move an order to `status`, with a history row and an audit row (inside a transaction)."""
    previous = order.status
    order.status, order.updated_at = status, now
    store.orders.add_history(order, actor=actor, at=now)
    store.audit.record(
        actor=actor,
        action="order_status_changed",
        entity_type="order",
        entity_id=order.order_number,
        at=now,
        detail={"from": previous, "to": status, **(detail or {})},
    )


def describe_order(order: Order, district: DistrictFacts) -> dict[str, Any]:
    """The resident-facing view of an order (the API's `order` object)."""
    view: dict[str, Any] = {
        "order_id": order.order_number,
        "document": order.document,
        "copies": order.copies,
        "method": order.method,
        "fee_krw": order.fee_krw,
        "status": order.status,
        "created_at": order.created_at.astimezone(SEOUL),
        "dong": order.dong,
    }
    if order.method == "delivery":
        view["deadline_at"] = order.deadline_at.astimezone(SEOUL) if order.deadline_at else None
        view["delivery_address_masked"] = mask_address(order.delivery_address or "")
        view["eligibility_reasons"] = order.eligibility_reasons or []
    elif order.method == "counter":
        view["pickup_place"] = render("pickup_counter", dong=order.dong)
    elif order.method == "kiosk":
        view["pickup_place"] = render("pickup_kiosk")
    elif order.method == "online":
        view["online_url"] = district.online_url
    return view


def describe_order_public(order: Order) -> dict[str, Any]:
    """The order without personal data (status look-up by number)."""
    view: dict[str, Any] = {
        "order_id": order.order_number,
        "document": order.document,
        "method": order.method,
        "status": order.status,
        "created_at": order.created_at.astimezone(SEOUL),
    }
    if order.deadline_at is not None:
        view["deadline_at"] = order.deadline_at.astimezone(SEOUL)
    return view
