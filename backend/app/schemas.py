"""Request and response bodies of the HTTP API (docs/backend-api.md)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field


def _no_control_chars(value: str) -> str:
    # PostgreSQL refuses NUL in text; other control characters have no business in these fields.
    if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in value):
        raise ValueError("control characters are not allowed")
    return value


Text = Annotated[str, AfterValidator(_no_control_chars)]
ShortText = Annotated[Text, Field(min_length=1, max_length=200)]
Method = Literal["kiosk", "counter", "online", "delivery"]


class StrictBody(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class ChallengeRequest(StrictBody):
    conversation_id: ShortText
    name: Annotated[Text, Field(min_length=1, max_length=50)]
    birth_date: date
    phone: Annotated[str, Field(pattern=r"^01[0-9]{8,9}$")]


class ChallengeResponse(BaseModel):
    challenge_id: str
    expires_at: datetime
    masked_phone: str


class VerifyRequest(StrictBody):
    conversation_id: ShortText
    code: Annotated[Text, Field(min_length=1, max_length=20)]


class ResidentView(BaseModel):
    name: str
    dong: str
    masked_address: str
    delivery_eligible: bool
    eligibility_reasons: list[str]


class VerifyResponse(BaseModel):
    identity_token: str
    expires_at: datetime
    resident: ResidentView


class OrderRequest(StrictBody):
    conversation_id: ShortText
    document: Annotated[Text, Field(min_length=1, max_length=60)]
    copies: int  # the range (1-10) is the district's rule: checked by the service
    method: Method


class OrderView(BaseModel):
    order_id: str
    document: str
    copies: int
    method: str
    fee_krw: int
    status: str
    created_at: datetime
    dong: str
    deadline_at: datetime | None = None
    delivery_address_masked: str | None = None
    eligibility_reasons: list[str] | None = None
    pickup_place: str | None = None
    online_url: str | None = None


class OrderPublicView(BaseModel):
    order_id: str
    document: str
    method: str
    status: str
    created_at: datetime
    deadline_at: datetime | None = None


class CancelRequest(StrictBody):
    conversation_id: ShortText | None = None


class FeeQuoteView(BaseModel):
    document: str
    method: str
    copies: int
    fee_per_copy_krw: int
    fee_krw: int
    free_reason: str | None = None


class BulkReservationRequest(StrictBody):
    conversation_id: ShortText
    business_number: Annotated[str, Field(pattern=r"^[0-9]{10}$")]
    document: Annotated[Text, Field(min_length=1, max_length=60)]
    count: int  # 1..daily limit: checked by the service


class BulkReservationView(BaseModel):
    reservation_id: str
    business_number: str
    document: str
    count: int
    date: date
    remaining_today: int
    pickup_place: str


class BulkQuotaView(BaseModel):
    business_number: str
    business_name: str
    mou: bool
    daily_limit: int
    used_today: int
    remaining_today: int
    date: date


BusinessNumber = Annotated[str, Field(pattern=r"^[0-9]{10}$")]


class BusinessChallengeRequest(StrictBody):
    conversation_id: ShortText
    business_number: BusinessNumber


class ReservationTokenExchange(StrictBody):
    conversation_id: ShortText
    reservation_token: Annotated[Text, Field(min_length=1, max_length=40)]


class BusinessProofView(BaseModel):
    business_token: str
    expires_at: datetime
    quota: BulkQuotaView


class StaffReservationTokenRequest(StrictBody):
    business_number: BusinessNumber


class StaffReservationTokenView(BaseModel):
    reservation_token: str
    business_number: str
    business_name: str
    expires_at: datetime


class HandoffRequest(StrictBody):
    conversation_id: ShortText
    channel: Annotated[Text, Field(min_length=1, max_length=40)]
    sender_id: ShortText
    reason: Annotated[Text, Field(min_length=1, max_length=100)]
    summary: Annotated[Text, Field(max_length=2000)] = ""


class StaffHoursView(BaseModel):
    weekdays: str
    days: list[str]
    lunch: str
    is_open_now: bool


class HandoffTicketCreated(BaseModel):
    ticket_id: str
    status: str
    created_at: datetime
    staff_hours: StaffHoursView


class StaffLoginRequest(StrictBody):
    username: Annotated[Text, Field(min_length=1, max_length=60)]
    password: Annotated[str, Field(min_length=1, max_length=200)]


class StaffLoginResponse(BaseModel):
    token: str
    expires_at: datetime
    username: str
    role: str
    dong: str | None = None


DeliveryStatus = Literal["issued", "out_for_delivery", "delivered", "failed"]


class DeliveryStatusRequest(StrictBody):
    status: DeliveryStatus
    id_checked: bool | None = None
    welfare_note: Annotated[Text, Field(max_length=2000)] | None = None
    welfare_alert: bool = False


class OutboxMessage(BaseModel):
    to: str
    text: str
    sent_at: datetime


class OrderStatusRequest(StrictBody):
    status: Literal["issued", "ready_for_pickup", "picked_up"]
