"""Dev- and test-profile helpers; this router is not mounted in bench or production."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app.api.deps import StoreDep
from app.clock import SEOUL
from app.schemas import OutboxMessage

router = APIRouter(prefix="/dev", tags=["dev"])


@router.get(
    "/sms-outbox",
    response_model=list[OutboxMessage],
    summary="SMS stored by the outbox gateway for one phone (dev and test profiles only)",
)
def sms_outbox(
    store: StoreDep, phone: Annotated[str, Query(pattern=r"^[0-9]{8,15}$")]
) -> list[OutboxMessage]:
    return [
        OutboxMessage(to=m.to_phone, text=m.text, sent_at=m.sent_at.astimezone(SEOUL))
        for m in store.outbox.for_phone(phone)
    ]
