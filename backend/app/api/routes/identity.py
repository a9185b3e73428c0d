"""Identity confirmation: challenge and verify; the confirmed resident."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from app.api.deps import (
    ClientDep,
    DistrictDep,
    IdentityDep,
    NamedConversationDep,
    NowDep,
    RuntimeDep,
    ServiceAuth,
    StoreDep,
)
from app.clock import SEOUL
from app.schemas import (
    ChallengeRequest,
    ChallengeResponse,
    ResidentView,
    ShortText,
    StrictBody,
    VerifyRequest,
    VerifyResponse,
)
from app.services.identity import (
    CALLER_ID_METHODS,
    confirm_by_caller,
    start_challenge,
    verify_challenge,
)
from app.services.residents import describe_resident

router = APIRouter(prefix="/api/v1", tags=["identity"], dependencies=[ServiceAuth])


@router.post(
    "/identity/challenges",
    status_code=status.HTTP_201_CREATED,
    response_model=ChallengeResponse,
    summary="Send a 6-digit code to the phone on record",
    description=(
        "Matches name + birth date + phone against the registry and texts a code valid for 3 "
        "minutes. The answer is the same 201 whether or not the person matches (then no SMS is "
        "sent and verify fails as `otp_wrong`). Limited per phone (429 `sms_rate_limited`), per "
        "conversation and per client (`X-Minwon-Client`; 429 `identity_rate_limited`), overall "
        "(429 `identity_busy`), and after repeated locked challenges until the next Seoul day "
        "(429 `identity_locked_today`); each with `retry_after_s` and a `Retry-After` header."
    ),
)
def create_challenge(
    body: ChallengeRequest, runtime: RuntimeDep, store: StoreDep, now: NowDep, client: ClientDep
) -> ChallengeResponse:
    started = start_challenge(
        store,
        runtime.registry,
        runtime.sms,
        runtime.identity_policy,
        conversation_id=body.conversation_id,
        name=body.name,
        birth_date=body.birth_date,
        phone=body.phone,
        now=now,
        client=client,
    )
    return ChallengeResponse(
        challenge_id=started.challenge_id,
        expires_at=started.expires_at.astimezone(SEOUL),
        masked_phone=started.masked_phone,
    )


@router.post(
    "/identity/challenges/{challenge_id}/verify",
    response_model=VerifyResponse,
    summary="Check the code and get an identity token bound to the conversation",
    description="400 `otp_wrong` (with `tries_left`), `otp_expired`, `otp_locked` after 5 wrong "
    "codes; 404 `challenge_not_found`.",
)
def verify(
    challenge_id: str,
    body: VerifyRequest,
    runtime: RuntimeDep,
    store: StoreDep,
    district: DistrictDep,
    now: NowDep,
) -> VerifyResponse:
    confirmed = verify_challenge(
        store,
        runtime.registry,
        runtime.identity_policy,
        challenge_id=challenge_id,
        conversation_id=body.conversation_id,
        code=body.code,
        now=now,
    )
    return VerifyResponse(
        identity_token=confirmed.identity_token,
        expires_at=confirmed.expires_at.astimezone(SEOUL),
        resident=describe_resident(confirmed.resident, district, now),
    )


class CallerCheckRequest(StrictBody):
    conversation_id: ShortText
    birth_date: date
    caller_claim: Annotated[str, Field(min_length=10, max_length=200)]


class CallerCheckResponse(BaseModel):
    identity_token: str
    expires_at: datetime
    assurance: str = "caller_id"
    may_order: list[str]
    resident: ResidentView


@router.post(
    "/identity/caller-checks",
    status_code=status.HTTP_201_CREATED,
    response_model=CallerCheckResponse,
    summary="Confirm a caller by the number the voice line vouches for and the birth date",
    description=(
        "For `voice:` conversations only: `caller_claim` is the voice line's signed caller "
        "number (bot/voice/caller_claim.py, 10 minutes, bound to the conversation). One resident "
        "with that phone and birth date gets an identity token that may order home delivery "
        "only (the courier checks the ID card at the door); order lists and cancels need the SMS "
        "code (403 `identity_step_up_required`). 409 `caller_not_matched` when no single "
        "resident matches (the dialogue then asks name, phone and the SMS code); 401 "
        "`identity_invalid` for a missing, forged, stale or other conversation's claim. Counted "
        "against the same limits as code challenges."
    ),
)
def caller_check(
    body: CallerCheckRequest,
    runtime: RuntimeDep,
    store: StoreDep,
    district: DistrictDep,
    now: NowDep,
    client: ClientDep,
) -> CallerCheckResponse:
    confirmed = confirm_by_caller(
        store,
        runtime.registry,
        runtime.identity_policy,
        conversation_id=body.conversation_id,
        birth_date=body.birth_date,
        caller_claim=body.caller_claim,
        now=now,
        client=client,
    )
    return CallerCheckResponse(
        identity_token=confirmed.identity_token,
        expires_at=confirmed.expires_at.astimezone(SEOUL),
        may_order=sorted(CALLER_ID_METHODS),
        resident=describe_resident(confirmed.resident, district, now),
    )


@router.get(
    "/residents/me",
    response_model=ResidentView,
    summary="The confirmed resident",
    description="Needs `X-Identity-Token` and its conversation (`X-Conversation-Id`).",
)
def me(
    identity: IdentityDep, district: DistrictDep, now: NowDep, named: NamedConversationDep
) -> ResidentView:
    identity.check_bound(named)
    return describe_resident(identity.resident, district, now)
