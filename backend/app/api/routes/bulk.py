"""Bulk reservations for businesses, after the business has proved itself."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header, Response, status

from app.api.deps import (
    ClientDep,
    DistrictDep,
    NamedConversationDep,
    NowDep,
    RuntimeDep,
    ServiceAuth,
    StoreDep,
)
from app.clock import SEOUL
from app.district import DistrictFacts
from app.errors import BusinessProofRequired, InvalidRequest
from app.models import Business
from app.repositories.store import Store
from app.runtime import Runtime
from app.schemas import (
    BulkQuotaView,
    BulkReservationRequest,
    BulkReservationView,
    BusinessChallengeRequest,
    BusinessProofView,
    ChallengeResponse,
    ReservationTokenExchange,
    VerifyRequest,
)
from app.services.bulk import pickup_place, quota_today, reserve_bulk
from app.services.business_proof import (
    BusinessProof,
    business_for_token,
    exchange_staff_token,
    start_business_challenge,
    verify_business_challenge,
)
from app.services.lookups import throttle_lookup

router = APIRouter(prefix="/api/v1/bulk", tags=["bulk"], dependencies=[ServiceAuth])

BusinessTokenHeader = Annotated[str | None, Header(alias="X-Business-Token", max_length=200)]


def _quota_view(
    store: Store, district: DistrictFacts, business: Business, now: datetime
) -> BulkQuotaView:
    q = quota_today(store, district, business_number=business.business_number, now=now)
    return BulkQuotaView(
        business_number=q.business.business_number,
        business_name=q.business.name,
        mou=q.business.mou,
        daily_limit=q.daily_limit,
        used_today=q.used_today,
        remaining_today=q.remaining_today,
        date=q.day,
    )


def _proof_view(
    store: Store, district: DistrictFacts, proof: BusinessProof, now: datetime
) -> BusinessProofView:
    return BusinessProofView(
        business_token=proof.token,
        expires_at=proof.expires_at.astimezone(SEOUL),
        quota=_quota_view(store, district, proof.business, now),
    )


def _proven_business(
    runtime: Runtime,
    store: Store,
    *,
    token: str | None,
    conversation_id: str | None,
    business_number: str | None,
    now: datetime,
) -> Business:
    return business_for_token(
        store,
        runtime.identity_policy,
        token=token,
        conversation_id=conversation_id,
        business_number=business_number,
        now=now,
    )


@router.post(
    "/challenges",
    status_code=status.HTTP_201_CREATED,
    response_model=ChallengeResponse,
    summary="Text a code to the business's registered contact phone",
    description="The same 201 for an unknown business number (no SMS; verify then fails as "
    "`otp_wrong`). The same limits as identity challenges (429 `sms_rate_limited`, "
    "`identity_rate_limited`, `identity_busy`, `identity_locked_today`).",
)
def create_business_challenge(
    body: BusinessChallengeRequest,
    runtime: RuntimeDep,
    store: StoreDep,
    now: NowDep,
    client: ClientDep,
) -> ChallengeResponse:
    started = start_business_challenge(
        store,
        runtime.sms,
        runtime.identity_policy,
        conversation_id=body.conversation_id,
        business_number=body.business_number,
        now=now,
        client=client,
    )
    return ChallengeResponse(
        challenge_id=started.challenge_id,
        expires_at=started.expires_at.astimezone(SEOUL),
        masked_phone=started.masked_phone,
    )


@router.post(
    "/challenges/{challenge_id}/verify",
    response_model=BusinessProofView,
    summary="Check the business's code: a business token bound to the conversation",
    description="400 `otp_wrong` {tries_left}, `otp_expired`, `otp_locked`; 404 "
    "`challenge_not_found`. The answer carries today's quota.",
)
def verify_business(
    challenge_id: str,
    body: VerifyRequest,
    runtime: RuntimeDep,
    store: StoreDep,
    district: DistrictDep,
    now: NowDep,
) -> BusinessProofView:
    proof = verify_business_challenge(
        store,
        runtime.identity_policy,
        challenge_id=challenge_id,
        conversation_id=body.conversation_id,
        code=body.code,
        ttl_s=runtime.settings.business_token_ttl_s,
        now=now,
    )
    return _proof_view(store, district, proof, now)


@router.post(
    "/tokens/exchange",
    response_model=BusinessProofView,
    summary="Trade a staff-issued reservation token for a business token (once)",
    description="401 `business_proof_required` for an unknown, used or expired token. Tries are "
    "limited per conversation and client like order look-ups (429 `lookup_rate_limited`).",
)
def exchange(
    body: ReservationTokenExchange,
    runtime: RuntimeDep,
    store: StoreDep,
    district: DistrictDep,
    now: NowDep,
    client: ClientDep,
) -> BusinessProofView:
    throttle_lookup(
        store,
        runtime.settings,
        conversation_id=body.conversation_id,
        client=client,
        now=now,
        scope="token_exchange",
    )
    proof = exchange_staff_token(
        store,
        runtime.identity_policy,
        conversation_id=body.conversation_id,
        reservation_token=body.reservation_token,
        ttl_s=runtime.settings.business_token_ttl_s,
        now=now,
    )
    return _proof_view(store, district, proof, now)


@router.get(
    "/businesses/{business_number}/quota",
    response_model=BulkQuotaView,
    summary="What the proven business may still reserve today (Seoul calendar day)",
    description="Needs `X-Business-Token` for this business and its conversation "
    "(`X-Conversation-Id`): else 401 `business_proof_required`, whether or not the number is "
    "registered.",
)
def quota(
    business_number: str,
    runtime: RuntimeDep,
    store: StoreDep,
    district: DistrictDep,
    now: NowDep,
    named: NamedConversationDep,
    business_token: BusinessTokenHeader = None,
) -> BulkQuotaView:
    business = _proven_business(
        runtime,
        store,
        token=business_token,
        conversation_id=named,
        business_number=business_number,
        now=now,
    )
    return _quota_view(store, district, business, now)


@router.post(
    "/reservations",
    status_code=status.HTTP_201_CREATED,
    response_model=BulkReservationView,
    summary="Reserve a bulk issuance for today, within the daily limit",
    description="Needs `X-Business-Token` for the body's business and conversation (401 "
    "`business_proof_required`). MOU businesses may reserve 100 a Seoul calendar day, others 20 "
    "(from the district file), summed over the day and enforced atomically. 409 "
    "`bulk_quota_exceeded` with `remaining`. A replayed `Idempotency-Key` answers 200 with the "
    "stored reservation. `reservation_id` is 8 random digits.",
)
def reserve(
    body: BulkReservationRequest,
    runtime: RuntimeDep,
    store: StoreDep,
    district: DistrictDep,
    now: NowDep,
    response: Response,
    named: NamedConversationDep,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
    business_token: BusinessTokenHeader = None,
) -> BulkReservationView:
    if named and named != body.conversation_id:
        raise BusinessProofRequired("conversation header and body differ")
    _proven_business(
        runtime,
        store,
        token=business_token,
        conversation_id=body.conversation_id,
        business_number=body.business_number,
        now=now,
    )
    if idempotency_key is None or not 1 <= len(idempotency_key.strip()) <= 200:
        raise InvalidRequest("Idempotency-Key header (1-200 chars) is required")
    result = reserve_bulk(
        store,
        district,
        business_number=body.business_number,
        document=body.document,
        count=body.count,
        conversation_id=body.conversation_id,
        idempotency_key=idempotency_key.strip(),
        now=now,
    )
    if not result.created:
        response.status_code = status.HTTP_200_OK
    r = result.reservation
    return BulkReservationView(
        reservation_id=r.reservation_id,
        business_number=result.business.business_number,
        document=r.document,
        count=r.count,
        date=r.day,
        remaining_today=result.remaining_today,
        pickup_place=pickup_place(district),
    )
