"""Handoff tickets: a conversation waiting for a person, taken, resolved."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime

from app.clock import SEOUL
from app.district import DistrictFacts
from app.errors import TicketNotFound, TicketStateConflict
from app.models import HandoffTicket, StaffAccount
from app.repositories.store import Store
from app.services.staff import staff_actor

logger = logging.getLogger(__name__)

STATUSES = ("waiting", "taken", "resolved")


@dataclass(frozen=True, slots=True)
class StaffHours:
    weekdays: str
    days: list[str]
    lunch: str
    is_open_now: bool


def staff_hours(district: DistrictFacts, now: datetime) -> StaffHours:
    hours = district.staff_hours
    local = now.astimezone(SEOUL)
    is_open = (
        local.weekday() in hours.weekdays
        and local.date() not in district.public_holidays
        and hours.open <= local.time() < hours.close
    )
    days = [
        name
        for i, name in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))
        if i in hours.weekdays
    ]
    lunch = f"{district.lunch[0]:%H:%M}-{district.lunch[1]:%H:%M}"
    return StaffHours(f"{hours.open:%H:%M}-{hours.close:%H:%M}", days, lunch, is_open)


def open_ticket(
    store: Store,
    *,
    conversation_id: str,
    channel: str,
    sender_id: str,
    reason: str,
    summary: str,
    now: datetime,
) -> HandoffTicket:
    with store.transaction():
        ticket = HandoffTicket(
            ticket_id=secrets.token_hex(6),
            conversation_id=conversation_id,
            channel=channel,
            sender_id=sender_id,
            reason=reason,
            summary=summary,
            status="waiting",
            created_at=now,
        )
        store.handoff.add(ticket)
        store.audit.record(
            actor="system",
            action="handoff_opened",
            entity_type="handoff_ticket",
            entity_id=ticket.ticket_id,
            at=now,
            detail={"channel": channel, "reason": reason},
        )
    logger.info(
        "handoff_opened",
        extra={
            "ticket_id": ticket.ticket_id,
            "channel": channel,
            "conversation_id": conversation_id,
        },
    )
    return ticket


def list_tickets(store: Store, *, statuses: tuple[str, ...]) -> list[HandoffTicket]:
    return list(store.handoff.listing(statuses=statuses))


def take_ticket(store: Store, staff: StaffAccount, ticket_id: str, now: datetime) -> HandoffTicket:
    """Raises: TicketNotFound, TicketStateConflict (already taken or resolved)."""
    with store.transaction():
        ticket = store.handoff.by_ticket_id(ticket_id, for_update=True)
        if ticket is None:
            raise TicketNotFound("no such ticket")
        if ticket.status != "waiting":
            raise TicketStateConflict(f"ticket is {ticket.status}")
        ticket.status, ticket.assignee_id, ticket.taken_at = "taken", staff.id, now
        store.audit.record(
            actor=staff_actor(staff),
            action="handoff_taken",
            entity_type="handoff_ticket",
            entity_id=ticket.ticket_id,
            at=now,
        )
    return ticket


def resolve_ticket(
    store: Store, staff: StaffAccount, ticket_id: str, now: datetime
) -> HandoffTicket:
    """Raises: TicketNotFound, TicketStateConflict (not taken, or taken by someone else)."""
    with store.transaction():
        ticket = store.handoff.by_ticket_id(ticket_id, for_update=True)
        if ticket is None:
            raise TicketNotFound("no such ticket")
        if ticket.status != "taken":
            raise TicketStateConflict(f"ticket is {ticket.status}")
        if ticket.assignee_id != staff.id and staff.role != "supervisor":
            raise TicketStateConflict("ticket is assigned to someone else")
        ticket.status, ticket.resolved_at = "resolved", now
        store.audit.record(
            actor=staff_actor(staff),
            action="handoff_resolved",
            entity_type="handoff_ticket",
            entity_id=ticket.ticket_id,
            at=now,
        )
    return ticket
