"""Staff endpoints: login, tickets, deliveries by dong, care cases, the bulk queue."""

from __future__ import annotations

import functools
from typing import Annotated, Any, Literal

import anyio
from anyio.lowlevel import RunVar
from fastapi import APIRouter, Query, Request

from app.api.deps import DistrictDep, NowDep, RuntimeDep, StaffDep, StoreDep
from app.clock import SEOUL
from app.models import HandoffTicket, Order
from app.schemas import (
    DeliveryStatusRequest,
    OrderStatusRequest,
    StaffLoginRequest,
    StaffLoginResponse,
    StaffReservationTokenRequest,
    StaffReservationTokenView,
)
from app.services import delivery, fulfilment, handoff
from app.services.bulk import daily_limit, seoul_day
from app.services.business_proof import issue_staff_token
from app.services.masking import mask_address
from app.services.staff import LoginLimits, login, require

router = APIRouter(prefix="/api/v1/staff", tags=["staff"])


def _ticket_view(ticket: HandoffTicket) -> dict[str, Any]:
    return {
        "ticket_id": ticket.ticket_id,
        "conversation_id": ticket.conversation_id,
        "channel": ticket.channel,
        "sender_id": ticket.sender_id,
        "reason": ticket.reason,
        "summary": ticket.summary,
        "status": ticket.status,
        "assignee_id": ticket.assignee_id,
        "created_at": ticket.created_at.astimezone(SEOUL),
        "taken_at": ticket.taken_at.astimezone(SEOUL) if ticket.taken_at else None,
        "resolved_at": ticket.resolved_at.astimezone(SEOUL) if ticket.resolved_at else None,
    }


def _delivery_view(order: Order, now_seoul: Any) -> dict[str, Any]:
    deadline = order.deadline_at.astimezone(SEOUL) if order.deadline_at else None
    return {
        "order_id": order.order_number,
        "document": order.document,
        "copies": order.copies,
        "dong": order.dong,
        "status": order.status,
        "fee_krw": order.fee_krw,
        # Staff need the full address to deliver; it stays off logs.
        "delivery_address": order.delivery_address,
        "delivery_address_masked": mask_address(order.delivery_address or ""),
        "eligibility_reasons": order.eligibility_reasons or [],
        "created_at": order.created_at.astimezone(SEOUL),
        "deadline_at": deadline,
        "is_overdue": bool(
            deadline and deadline < now_seoul and order.status in delivery.OPEN_STATUSES
        ),
        "id_checked": order.id_checked,
        "welfare_note": order.welfare_note,
        "welfare_alert": order.welfare_alert,
    }


_LOGIN_THREADS: RunVar[anyio.CapacityLimiter] = RunVar("minwon_login_threads")


def _login_threads() -> anyio.CapacityLimiter:
    """The event loop's own pool for staff logins (apart from the default worker pool)."""
    try:
        return _LOGIN_THREADS.get()
    except LookupError:
        limiter = anyio.CapacityLimiter(40)
        _LOGIN_THREADS.set(limiter)
        return limiter


@router.post(
    "/login",
    response_model=StaffLoginResponse,
    summary="Staff login: a bearer token",
    description="401 `unauthorized` for any wrong pair. Failed logins are limited per account "
    "and per client address: 429 `login_rate_limited` with `retry_after_s` and `Retry-After`.",
)
async def staff_login(
    body: StaffLoginRequest, runtime: RuntimeDep, store: StoreDep, now: NowDep, request: Request
) -> StaffLoginResponse:
    settings = runtime.settings
    # Logins run on threads of their own, so a storm of them (each waiting for a hashing slot)
    # never takes the worker threads that orders and look-ups need.
    result = await anyio.to_thread.run_sync(
        functools.partial(
            login,
            store,
            settings.secret_key.get_secret_value(),
            username=body.username,
            password=body.password,
            ttl_s=settings.staff_token_ttl_s,
            now=now,
            client_address=request.client.host if request.client else "unknown",
            limits=LoginLimits(
                settings.staff_login_account_limit_count,
                settings.staff_login_client_limit_count,
                settings.staff_login_window_s,
                settings.staff_login_hash_concurrency,
            ),
        ),
        limiter=_login_threads(),
    )
    return StaffLoginResponse(
        token=result.token,
        expires_at=result.expires_at.astimezone(SEOUL),
        username=result.account.username,
        role=result.account.role,
        dong=result.account.dong,
    )


@router.get("/tickets", summary="Handoff tickets (waiting and taken by default)")
def tickets(
    staff: StaffDep,
    store: StoreDep,
    status: Annotated[list[Literal["waiting", "taken", "resolved"]] | None, Query()] = None,
) -> list[dict[str, Any]]:
    require(staff, "tickets")
    statuses = tuple(status) if status else ("waiting", "taken")
    return [_ticket_view(t) for t in handoff.list_tickets(store, statuses=statuses)]


@router.post("/tickets/{ticket_id}/take", summary="Take a waiting ticket")
def take(ticket_id: str, staff: StaffDep, store: StoreDep, now: NowDep) -> dict[str, Any]:
    require(staff, "tickets")
    return _ticket_view(handoff.take_ticket(store, staff, ticket_id, now))


@router.post("/tickets/{ticket_id}/resolve", summary="Resolve a taken ticket")
def resolve(ticket_id: str, staff: StaffDep, store: StoreDep, now: NowDep) -> dict[str, Any]:
    require(staff, "tickets")
    return _ticket_view(handoff.resolve_ticket(store, staff, ticket_id, now))


@router.get(
    "/deliveries",
    summary="Home deliveries of a dong, soonest deadline first",
    description="A dong courier sees only their own dong (403 `wrong_dong`); an unknown "
    "dong is 422 `wrong_dong`.",
)
def deliveries(
    staff: StaffDep,
    store: StoreDep,
    district: DistrictDep,
    now: NowDep,
    dong: Annotated[str | None, Query(max_length=20)] = None,
    include_closed: bool = False,
) -> list[dict[str, Any]]:
    require(staff, "deliveries")
    orders = delivery.list_deliveries(
        store, district, staff, dong=dong, include_closed=include_closed
    )
    now_seoul = now.astimezone(SEOUL)
    return [_delivery_view(o, now_seoul) for o in orders]


@router.post(
    "/deliveries/{order_id}/status",
    summary="Move a delivery on: issued, out_for_delivery, delivered or failed",
    description="`delivered` needs `id_checked: true`. `welfare_alert: true` puts the "
    "case on the care-services list.",
)
def delivery_status(
    order_id: str, body: DeliveryStatusRequest, staff: StaffDep, store: StoreDep, now: NowDep
) -> dict[str, Any]:
    require(staff, "deliveries")
    order = delivery.update_delivery(
        store,
        staff,
        order_number=order_id,
        status=body.status,
        id_checked=body.id_checked,
        welfare_note=body.welfare_note,
        welfare_alert=body.welfare_alert,
        now=now,
    )
    return _delivery_view(order, now.astimezone(SEOUL))


@router.get("/care-cases", summary="Deliveries flagged for the district's care services")
def care_list(staff: StaffDep, store: StoreDep, now: NowDep) -> list[dict[str, Any]]:
    require(staff, "care_cases")
    now_seoul = now.astimezone(SEOUL)
    return [_delivery_view(o, now_seoul) for o in delivery.care_cases(store)]


@router.get("/bulk/today", summary="Today's bulk-counter queue (Seoul calendar day)")
def bulk_today(
    staff: StaffDep, store: StoreDep, district: DistrictDep, now: NowDep
) -> dict[str, Any]:
    require(staff, "bulk_queue")
    day = seoul_day(now)
    rows = store.bulk.for_day(day)
    return {
        "date": day,
        "reservations": [
            {
                "reservation_id": r.reservation_id,
                "business_number": b.business_number,
                "business_name": b.name,
                "mou": b.mou,
                "document": r.document,
                "count": r.count,
                "daily_limit": daily_limit(district, b),
                "status": r.status,
                "created_at": r.created_at.astimezone(SEOUL),
            }
            for r, b in rows
        ],
    }


@router.post(
    "/bulk/reservation-tokens",
    response_model=StaffReservationTokenView,
    status_code=201,
    summary="Issue a one-use reservation token for a registered business",
    description="For a business that cannot receive the code on its contact phone: staff read "
    "the token out; the business enters it in the chat, which exchanges it once for a business "
    "token bound to that conversation. 404 `business_unknown`.",
)
def issue_reservation_token(
    body: StaffReservationTokenRequest,
    staff: StaffDep,
    runtime: RuntimeDep,
    store: StoreDep,
    now: NowDep,
) -> StaffReservationTokenView:
    require(staff, "bulk_queue")
    issued = issue_staff_token(
        store,
        runtime.identity_policy,
        staff=staff,
        business_number=body.business_number,
        ttl_s=runtime.settings.staff_business_token_ttl_s,
        now=now,
    )
    return StaffReservationTokenView(
        reservation_token=issued.token,
        business_number=issued.business.business_number,
        business_name=issued.business.name,
        expires_at=issued.expires_at.astimezone(SEOUL),
    )


@router.post(
    "/orders/{order_id}/status",
    summary="Move a kiosk, counter or online order on: issued, ready_for_pickup, picked_up",
)
def order_status(
    order_id: str, body: OrderStatusRequest, staff: StaffDep, store: StoreDep, now: NowDep
) -> dict[str, Any]:
    require(staff, "counter_orders")
    order = fulfilment.advance_order(
        store, staff, order_number=order_id, status=body.status, now=now
    )
    return {
        "order_id": order.order_number,
        "method": order.method,
        "status": order.status,
        "updated_at": order.updated_at.astimezone(SEOUL),
    }
