"""Staff endpoints: login, tickets, deliveries by dong, care cases, the bulk queue."""

from __future__ import annotations

import functools
from typing import Annotated, Any, Literal

import anyio
from anyio.lowlevel import RunVar
from fastapi import APIRouter, Query, Request
from pydantic import Field

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
    StrictBody,
    Text,
)
from app.services import (
    console_bulk,
    console_deliveries,
    console_supervisor,
    delivery,
    fulfilment,
    handoff,
)
from app.services.bulk import daily_limit, seoul_day
from app.services.business_proof import issue_staff_token
from app.services.console_notices import ResidentNotifier
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


class DeliveryStepRequest(DeliveryStatusRequest):
    failure_reason: Annotated[Text, Field(max_length=500)] | None = None


def resident_notifier(request: Request) -> ResidentNotifier | None:
    """The console's push into a resident's conversation: its Rasa client (app.console.rasa)
    when one is configured, else None (the step is audited as not told)."""
    client = getattr(request.app.state, "console_rasa", None)
    return getattr(client, "notify", None)


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
    description="`delivered` needs `id_checked: true`; `failed` needs `failure_reason` (kept "
    "in the audit log, not told to the resident). `welfare_alert: true` puts the case on the "
    "care-services list. The resident is told of the step in their channel (`resident_told`).",
)
def delivery_status(
    order_id: str,
    body: DeliveryStepRequest,
    staff: StaffDep,
    store: StoreDep,
    district: DistrictDep,
    request: Request,
    now: NowDep,
) -> dict[str, Any]:
    order, told = console_deliveries.move_delivery(
        store,
        district,
        staff,
        resident_notifier(request),
        order_number=order_id,
        status=body.status,
        id_checked=body.id_checked,
        welfare_note=body.welfare_note,
        welfare_alert=body.welfare_alert,
        failure_reason=body.failure_reason,
        now=now,
    )
    return {**_delivery_view(order, now.astimezone(SEOUL)), "resident_told": told}


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


@router.get(
    "/deliveries/board",
    summary="The delivery board: open deliveries by dong, overdue on top, time left",
    description="A dong courier gets only their own dong (403 `wrong_dong` for another).",
)
def delivery_board(
    staff: StaffDep,
    store: StoreDep,
    district: DistrictDep,
    now: NowDep,
    dong: Annotated[str | None, Query(max_length=20)] = None,
) -> dict[str, Any]:
    board = console_deliveries.delivery_board(store, district, staff, now=now, dong=dong)
    return {
        "now": board.now,
        "open": board.open_count,
        "overdue": board.overdue_count,
        "dongs": [
            {
                "dong": group.dong,
                "overdue": group.overdue_count,
                "deliveries": [
                    {
                        **_delivery_view(c.order, board.now),
                        "seconds_left": c.seconds_left,
                        "next_step": c.next_step,
                    }
                    for c in group.cards
                ],
            }
            for group in board.groups
        ],
    }


class WelfareAlertRequest(StrictBody):
    note: Annotated[Text, Field(min_length=1, max_length=2000)]


@router.post(
    "/deliveries/{order_id}/welfare-alert",
    summary="Put a delivery's resident on the care-services list (with a note)",
)
def welfare_alert(
    order_id: str, body: WelfareAlertRequest, staff: StaffDep, store: StoreDep, now: NowDep
) -> dict[str, Any]:
    order = console_deliveries.raise_welfare_alert(
        store, staff, order_number=order_id, note=body.note, now=now
    )
    return _delivery_view(order, now.astimezone(SEOUL))


@router.get(
    "/bulk/counter",
    summary="Today's bulk counter by business: reservations and what is left of each quota",
)
def bulk_counter(
    staff: StaffDep, store: StoreDep, district: DistrictDep, now: NowDep
) -> dict[str, Any]:
    day = console_bulk.counter_day(store, district, staff, now=now)
    return {
        "date": day.day,
        "waiting": day.waiting_count,
        "businesses": [
            {
                "business_number": q.business.business_number,
                "business_name": q.business.name,
                "mou": q.business.mou,
                "daily_limit": q.daily_limit,
                "used": q.used,
                "remaining": q.remaining,
                "reservations": [
                    _reservation_view(ln.reservation, ln.refusal_reason) for ln in q.lines
                ],
            }
            for q in day.businesses
        ],
    }


def _reservation_view(r: Any, refusal_reason: str | None = None) -> dict[str, Any]:
    return {
        "reservation_id": r.reservation_id,
        "document": r.document,
        "count": r.count,
        "status": r.status,
        "refusal_reason": refusal_reason,
        "created_at": r.created_at.astimezone(SEOUL),
    }


class BulkRefusalRequest(StrictBody):
    reason: Annotated[Text, Field(min_length=1, max_length=500)]


@router.post("/bulk/reservations/{reservation_id}/pickup", summary="Documents handed over")
def bulk_pickup(
    reservation_id: str, staff: StaffDep, store: StoreDep, now: NowDep
) -> dict[str, Any]:
    reservation = console_bulk.mark_picked_up(store, staff, reservation_id=reservation_id, now=now)
    return _reservation_view(reservation)


@router.post(
    "/bulk/reservations/{reservation_id}/refuse",
    summary="Refuse a reservation with a reason (its count goes back to the day's quota)",
)
def bulk_refuse(
    reservation_id: str,
    body: BulkRefusalRequest,
    staff: StaffDep,
    store: StoreDep,
    now: NowDep,
) -> dict[str, Any]:
    reservation = console_bulk.refuse(
        store, staff, reservation_id=reservation_id, reason=body.reason, now=now
    )
    return _reservation_view(reservation, body.reason.strip())


@router.get(
    "/supervisor/today",
    summary="Today's figures: orders by method, deliveries on time, handoffs, bulk volume",
    description="Supervisors only (403 `forbidden` for other roles).",
)
def supervisor_today(
    staff: StaffDep, store: StoreDep, district: DistrictDep, now: NowDep
) -> dict[str, object]:
    figures = console_supervisor.supervisor_day(store, district, staff, now=now)
    return console_supervisor.as_dict(figures)
