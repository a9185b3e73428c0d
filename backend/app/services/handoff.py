"""Handoff tickets: a conversation waiting for a person, taken, resolved."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal, Protocol

from app.clock import SEOUL
from app.district import DistrictFacts
from app.errors import (
    DomainError,
    InvalidRequest,
    StaffForbidden,
    TicketNotFound,
    TicketStateConflict,
)
from app.models import HandoffTicket, StaffAccount
from app.repositories.store import Store
from app.services.masking import mask_rrn
from app.services.staff import staff_actor

if TYPE_CHECKING:
    from app.console.models import HandoffEntry

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


class RasaUnreachable(DomainError):
    """Rasa did not take the reply or the hand-back; nothing was recorded."""

    code = "rasa_unavailable"
    status = 502
    title = "The assistant did not answer"


class ConversationGateway(Protocol):
    """What the handoff needs of Rasa (app.adapters.rasa_client.RasaClient)."""

    def push_text(self, conversation_id: str, text: str, *, staff_name: str | None = None) -> bool:
        """Say `text` to the resident; False when their channel cannot be pushed to."""

    def pause(self, conversation_id: str) -> None:
        """Keep the bot quiet while staff handle the conversation."""

    def resume(self, conversation_id: str) -> None:
        """Let the bot answer the conversation again."""


Delivery = Literal["now", "next_message", "callback"]
# The prefix that tells the resident a person is writing, not the bot.
STAFF_REPLY_PREFIX = "[담당 직원] "
MAX_REPLY_CHARS = 1000
MAX_NOTE_CHARS = 2000


def _entry(**fields: object) -> HandoffEntry:
    from app.console.models import HandoffEntry  # the console package imports this module

    return HandoffEntry(**fields)


def _ticket(store: Store, ticket_id: str, *, for_update: bool = False) -> HandoffTicket:
    ticket = store.handoff.by_ticket_id(ticket_id, for_update=for_update)
    if ticket is None:
        raise TicketNotFound("no such ticket")
    return ticket


def _check_assignee(ticket: HandoffTicket, staff: StaffAccount) -> None:
    if ticket.status != "taken":
        raise TicketStateConflict(f"ticket is {ticket.status}")
    if ticket.assignee_id != staff.id and staff.role != "supervisor":
        raise TicketStateConflict("ticket is assigned to someone else")


def take_ticket(
    store: Store,
    staff: StaffAccount,
    ticket_id: str,
    now: datetime,
    gateway: ConversationGateway | None = None,
) -> HandoffTicket:
    """Take a waiting ticket; of two staff taking it at once exactly one gets it.

    With a gateway (the console) the bot is paused first, so it does not answer beside the staff
    member (a ticket opened after hours leaves the bot serving until then).

    Raises: TicketNotFound, TicketStateConflict (already taken or resolved), RasaUnreachable
    (nothing taken).
    """
    if gateway is not None:
        waiting = _ticket(store, ticket_id)
        if waiting.status != "waiting":
            raise TicketStateConflict(f"ticket is {waiting.status}")
        try:
            gateway.pause(waiting.conversation_id)
        except Exception as e:
            logger.warning("handoff_pause_failed", extra={"ticket_id": ticket_id})
            raise RasaUnreachable("Rasa did not pause the conversation") from e
    with store.transaction():
        if not store.handoff.claim(ticket_id, staff.id, now):
            current = store.handoff.by_ticket_id(ticket_id)
            if current is None:
                raise TicketNotFound("no such ticket")
            raise TicketStateConflict(f"ticket is {current.status}")
        store.audit.record(
            actor=staff_actor(staff),
            action="handoff_taken",
            entity_type="handoff_ticket",
            entity_id=ticket_id,
            at=now,
        )
    store.session.expire_all()  # the UPDATE bypassed the identity map
    return _ticket(store, ticket_id)


def _clean(text: str | None, limit: int, *, required: bool) -> str:
    value = mask_rrn((text or "").strip())
    if required and not value:
        raise InvalidRequest("text is required")
    if len(value) > limit:
        raise InvalidRequest(f"text is longer than {limit} characters")
    return value


def delivery_for_conversation(conversation_id: str) -> Delivery:
    """How a reply reaches this conversation's resident (docs/channels.md)."""
    namespace = conversation_id.partition(":")[0]
    if namespace in ("web", "telegram"):
        return "now"
    if namespace == "kakao":
        return "next_message"
    return "callback"


def reply(
    store: Store,
    gateway: ConversationGateway | None,
    staff: StaffAccount,
    ticket_id: str,
    text: str,
    now: datetime,
) -> HandoffEntry:
    """Send a staff reply to the resident in their channel, or make a call-back task when the
    channel cannot receive one (REST, phone). RRNs in the text are masked first.

    Raises: TicketNotFound, TicketStateConflict, InvalidRequest, RasaUnreachable (nothing kept).
    """
    body = _clean(text, MAX_REPLY_CHARS, required=True)
    ticket = _ticket(store, ticket_id)
    _check_assignee(ticket, staff)
    delivery = delivery_for_conversation(ticket.conversation_id)
    if delivery != "callback":
        if gateway is None:
            raise RasaUnreachable("no Rasa connection configured")
        try:
            pushed = gateway.push_text(
                ticket.conversation_id, STAFF_REPLY_PREFIX + body, staff_name=staff.username
            )
        # Any failure of the push (down, refused, timed out): staff are told, nothing is kept.
        except Exception as e:
            logger.warning("handoff_reply_not_pushed", extra={"ticket_id": ticket_id})
            raise RasaUnreachable("Rasa did not take the reply") from e
        if not pushed:
            delivery = "callback"
    kind = "callback" if delivery == "callback" else "reply"
    with store.transaction():
        entry = _entry(
            ticket_pk=ticket.id,
            kind=kind,
            staff_id=staff.id,
            text=body,
            delivery=delivery,
            created_at=now,
        )
        store.handoff.add_entry(entry)
        store.audit.record(
            actor=staff_actor(staff),
            action="handoff_callback_task" if kind == "callback" else "handoff_replied",
            entity_type="handoff_ticket",
            entity_id=ticket.ticket_id,
            at=now,
            detail={"delivery": delivery, "chars": len(body)},
        )
    return entry


def _resume(gateway: ConversationGateway | None, ticket: HandoffTicket) -> None:
    if gateway is None:
        raise RasaUnreachable("no Rasa connection configured")
    try:
        gateway.resume(ticket.conversation_id)
    except Exception as e:
        logger.warning("handoff_resume_failed", extra={"ticket_id": ticket.ticket_id})
        raise RasaUnreachable("Rasa did not resume the conversation") from e


def _close(
    store: Store,
    staff: StaffAccount,
    ticket: HandoffTicket,
    *,
    kind: str,
    action: str,
    note: str,
    now: datetime,
) -> HandoffTicket:
    with store.transaction():
        locked = _ticket(store, ticket.ticket_id, for_update=True)
        _check_assignee(locked, staff)
        locked.status, locked.resolved_at = "resolved", now
        store.handoff.add_entry(
            _entry(
                ticket_pk=locked.id, kind=kind, staff_id=staff.id, text=note or None, created_at=now
            )
        )
        store.audit.record(
            actor=staff_actor(staff),
            action=action,
            entity_type="handoff_ticket",
            entity_id=locked.ticket_id,
            at=now,
            detail={"note": bool(note)},
        )
    return locked


def hand_back(
    store: Store,
    gateway: ConversationGateway | None,
    staff: StaffAccount,
    ticket_id: str,
    now: datetime,
    note: str | None = None,
) -> HandoffTicket:
    """Give the conversation back to the bot, which answers the resident's next message from
    where it paused; the ticket is closed. Raises: as `reply`."""
    body = _clean(note, MAX_NOTE_CHARS, required=False)
    ticket = _ticket(store, ticket_id)
    _check_assignee(ticket, staff)
    _resume(gateway, ticket)
    return _close(
        store, staff, ticket, kind="handback", action="handoff_handed_back", note=body, now=now
    )


def resolve_ticket(
    store: Store,
    staff: StaffAccount,
    ticket_id: str,
    now: datetime,
    *,
    note: str | None = None,
    gateway: ConversationGateway | None = None,
) -> HandoffTicket:
    """Close a taken ticket, with a note. With a gateway (the console) the bot is resumed too,
    so the resident is never left with a silent conversation.

    Raises: TicketNotFound, TicketStateConflict (not taken, or taken by someone else),
    InvalidRequest, RasaUnreachable.
    """
    body = _clean(note, MAX_NOTE_CHARS, required=False)
    ticket = _ticket(store, ticket_id)
    _check_assignee(ticket, staff)
    if gateway is not None:
        _resume(gateway, ticket)
    return _close(store, staff, ticket, kind="note", action="handoff_resolved", note=body, now=now)


def reassign(
    store: Store, supervisor: StaffAccount, ticket_id: str, now: datetime
) -> HandoffTicket:
    """A supervisor takes over a ticket (waiting, or taken by a colleague who is away).

    Raises: StaffForbidden (not a supervisor), TicketNotFound, TicketStateConflict (resolved).
    """
    if supervisor.role != "supervisor":
        raise StaffForbidden("only a supervisor may take over a ticket")
    with store.transaction():
        ticket = _ticket(store, ticket_id, for_update=True)
        if ticket.status == "resolved":
            raise TicketStateConflict("ticket is resolved")
        previous = ticket.assignee_id
        ticket.status, ticket.assignee_id, ticket.taken_at = "taken", supervisor.id, now
        store.audit.record(
            actor=staff_actor(supervisor),
            action="handoff_reassigned",
            entity_type="handoff_ticket",
            entity_id=ticket.ticket_id,
            at=now,
            detail={"from_staff_id": previous},
        )
    return ticket


def escalate_overdue(store: Store, now: datetime, after_s: int) -> list[HandoffTicket]:
    """Raise every ticket left waiting longer than `after_s` to the supervisors (once each)."""
    overdue = list(store.handoff.waiting_since(now - timedelta(seconds=after_s)))
    if not overdue:
        return []
    done = store.handoff.escalated_ticket_pks([t.id for t in overdue])
    fresh = [t for t in overdue if t.id not in done]
    if not fresh:
        return []
    raised: list[HandoffTicket] = []
    with store.transaction():
        again = store.handoff.escalated_ticket_pks([t.id for t in fresh])  # under the write lock
        for ticket in fresh:
            if ticket.id in again:
                continue
            store.handoff.add_entry(_entry(ticket_pk=ticket.id, kind="escalation", created_at=now))
            store.audit.record(
                actor="system",
                action="handoff_escalated",
                entity_type="handoff_ticket",
                entity_id=ticket.ticket_id,
                at=now,
                detail={"waited_s": int((now - ticket.created_at).total_seconds())},
            )
            raised.append(ticket)
    if raised:
        logger.warning("handoff_escalated", extra={"tickets": len(raised)})
    return raised


@dataclass(frozen=True, slots=True)
class QueueItem:
    ticket: HandoffTicket
    waited_s: float
    escalated: bool
    assignee_name: str | None
    delivery: Delivery


def queue(store: Store, now: datetime, escalate_after_s: int) -> list[QueueItem]:
    """Waiting and taken tickets: escalated first, then waiting, then taken; oldest first.
    Overdue tickets are escalated on the way."""
    escalate_overdue(store, now, escalate_after_s)
    tickets = list(store.handoff.listing(statuses=("waiting", "taken")))
    escalated = store.handoff.escalated_ticket_pks([t.id for t in tickets])
    names: dict[int, str] = {}
    items = []
    for t in tickets:
        name = None
        if t.assignee_id is not None:
            if t.assignee_id not in names:
                account = store.staff.get(t.assignee_id)
                names[t.assignee_id] = account.display_name if account else "?"
            name = names[t.assignee_id]
        items.append(
            QueueItem(
                t,
                max(0.0, (now - t.created_at).total_seconds()),  # since the resident asked
                t.id in escalated and t.status == "waiting",
                name,
                delivery_for_conversation(t.conversation_id),
            )
        )
    items.sort(key=lambda i: (not i.escalated, i.ticket.status != "waiting", i.ticket.created_at))
    return items


def open_callbacks(store: Store) -> list[tuple[HandoffEntry, HandoffTicket]]:
    return list(store.handoff.open_callbacks())


def complete_callback(store: Store, staff: StaffAccount, entry_id: int, now: datetime) -> None:
    """Mark a call-back task done. Raises: TicketNotFound (no such open task)."""
    from app.console.models import HandoffEntry

    with store.transaction():
        entry = store.session.get(HandoffEntry, entry_id)
        if entry is None or entry.kind != "callback" or entry.done_at is not None:
            raise TicketNotFound("no such open call-back task")
        entry.done_at = now
        ticket = store.session.get(HandoffTicket, entry.ticket_pk)
        store.audit.record(
            actor=staff_actor(staff),
            action="handoff_callback_done",
            entity_type="handoff_ticket",
            entity_id=ticket.ticket_id if ticket else str(entry.ticket_pk),
            at=now,
        )
