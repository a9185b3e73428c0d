"""Handoff tickets opened by the action server."""

from __future__ import annotations

from fastapi import APIRouter, status

from app.api.deps import DistrictDep, NowDep, ServiceAuth, StoreDep
from app.clock import SEOUL
from app.schemas import HandoffRequest, HandoffTicketCreated, StaffHoursView
from app.services.handoff import open_ticket, staff_hours

router = APIRouter(prefix="/api/v1/handoff", tags=["handoff"], dependencies=[ServiceAuth])


@router.post(
    "/tickets",
    status_code=status.HTTP_201_CREATED,
    response_model=HandoffTicketCreated,
    summary="Ask for a person: opens a waiting ticket for the staff console",
)
def create_ticket(
    body: HandoffRequest, store: StoreDep, district: DistrictDep, now: NowDep
) -> HandoffTicketCreated:
    ticket = open_ticket(
        store,
        conversation_id=body.conversation_id,
        channel=body.channel,
        sender_id=body.sender_id,
        reason=body.reason,
        summary=body.summary,
        now=now,
    )
    hours = staff_hours(district, now)
    return HandoffTicketCreated(
        ticket_id=ticket.ticket_id,
        status=ticket.status,
        created_at=ticket.created_at.astimezone(SEOUL),
        staff_hours=StaffHoursView(
            weekdays=hours.weekdays,
            days=hours.days,
            lunch=hours.lunch,
            is_open_now=hours.is_open_now,
        ),
    )
