"""Certificate and home-delivery orders."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Query, Response, status

from app.api.deps import (
    ClientDep,
    ConversationDep,
    DistrictDep,
    IdentityDep,
    NamedConversationDep,
    NowDep,
    RuntimeDep,
    ServiceAuth,
    StoreDep,
)
from app.errors import InvalidRequest
from app.messages import render
from app.schemas import CancelRequest, OrderPublicView, OrderRequest, OrderView
from app.services.deadlines import DEADLINE_RULE
from app.services.lookups import throttle_lookup
from app.services.orders import (
    cancel_order,
    create_order,
    describe_order,
    describe_order_public,
    get_order,
    list_orders,
)

router = APIRouter(prefix="/api/v1", tags=["orders"], dependencies=[ServiceAuth])

IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key")]
VOICE_PREFIX = "voice:"  # conversation ids of the voice line (bot/conversation_ids.py)


def _require_key(key: str | None) -> str:
    if key is None or not 1 <= len(key.strip()) <= 200:
        raise InvalidRequest("Idempotency-Key header (1-200 chars) is required")
    return key.strip()


@router.post(
    "/orders",
    status_code=status.HTTP_201_CREATED,
    response_model=OrderView,
    response_model_exclude_none=True,
    summary="Order a certificate (kiosk, counter, online or home delivery)",
    description=(
        "Needs `X-Identity-Token` (bound to the body's `conversation_id`; an `X-Conversation-Id` "
        "header, when sent, must name the same) and an `Idempotency-Key` header: a replay with "
        "the same key and body answers 200 with the stored order; the same key with another "
        "body is 409 `idempotency_conflict`. Fees come from the district's fee table for the "
        "method (free kiosk documents cost 0; home delivery costs the counter fee).\n\n"
        "Home-delivery deadline (3 service hours after acceptance):\n" + DEADLINE_RULE
    ),
)
def post_order(
    body: OrderRequest,
    identity: IdentityDep,
    store: StoreDep,
    district: DistrictDep,
    now: NowDep,
    response: Response,
    named: NamedConversationDep,
    runtime: RuntimeDep,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, Any]:
    identity.check_bound(body.conversation_id, named)
    identity.check_may_order(body.method)
    result = create_order(
        store,
        district,
        resident=identity.resident,
        conversation_id=body.conversation_id,
        document=body.document,
        copies=body.copies,
        method=body.method,
        idempotency_key=_require_key(idempotency_key),
        now=now,
    )
    if not result.created:
        response.status_code = status.HTTP_200_OK
    elif body.conversation_id.startswith(VOICE_PREFIX):
        # The voice line reads the number out twice; it also goes by SMS to the registered phone
        # (never to the calling number), because a caller cannot write down what they heard.
        runtime.sms.send(
            identity.resident.phone,
            render("sms_voice_order", order_number=result.order.order_number),
            now,
        )
    return describe_order(result.order, district)


@router.get(
    "/orders",
    response_model=list[OrderView],
    response_model_exclude_none=True,
    summary="The confirmed resident's orders, newest first",
    description="Needs `X-Identity-Token` and its conversation (`X-Conversation-Id`).",
)
def get_orders(
    identity: IdentityDep,
    store: StoreDep,
    district: DistrictDep,
    named: NamedConversationDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[dict[str, Any]]:
    identity.check_bound(named)
    identity.require_sms_code()
    orders = list_orders(store, identity.resident, limit=limit)
    return [describe_order(o, district) for o in orders]


@router.get(
    "/orders/{order_id}",
    response_model=OrderPublicView,
    response_model_exclude_none=True,
    summary="Status of an order by number (no personal data)",
    description="Needs the asking conversation (`X-Conversation-Id`; `X-Minwon-Client` when "
    "the channel has one). Look-ups are limited per conversation and per client: 429 "
    "`lookup_rate_limited` with `retry_after_s` and a `Retry-After` header.",
)
def get_one(
    order_id: str,
    store: StoreDep,
    runtime: RuntimeDep,
    conversation: ConversationDep,
    client: ClientDep,
    now: NowDep,
) -> dict[str, Any]:
    throttle_lookup(
        store, runtime.settings, conversation_id=conversation, client=client, now=now
    )
    return describe_order_public(get_order(store, order_id))


@router.post(
    "/orders/{order_id}/cancel",
    response_model=OrderView,
    response_model_exclude_none=True,
    summary="Cancel the resident's own order while it is cancellable",
)
def cancel(
    order_id: str,
    identity: IdentityDep,
    store: StoreDep,
    district: DistrictDep,
    now: NowDep,
    named: NamedConversationDep,
    body: Annotated[CancelRequest | None, Body()] = None,
) -> dict[str, Any]:
    identity.check_bound(body.conversation_id if body else None, named)
    identity.require_sms_code()
    order = cancel_order(store, resident=identity.resident, order_number=order_id, now=now)
    return describe_order(order, district)
