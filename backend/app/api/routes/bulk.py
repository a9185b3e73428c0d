"""Bulk reservations for businesses."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Response, status

from app.api.deps import DistrictDep, NowDep, ServiceAuth, StoreDep
from app.errors import BusinessUnknown, InvalidRequest
from app.schemas import BulkQuotaView, BulkReservationRequest, BulkReservationView
from app.services.bulk import pickup_place, quota_today, reserve_bulk

router = APIRouter(prefix="/api/v1/bulk", tags=["bulk"], dependencies=[ServiceAuth])


@router.get(
    "/businesses/{business_number}/quota",
    response_model=BulkQuotaView,
    summary="What the business may still reserve today (Seoul calendar day)",
)
def quota(
    business_number: str, store: StoreDep, district: DistrictDep, now: NowDep
) -> BulkQuotaView:
    if not (len(business_number) == 10 and business_number.isascii() and business_number.isdigit()):
        raise BusinessUnknown("business number must be 10 digits")
    q = quota_today(store, district, business_number=business_number, now=now)
    return BulkQuotaView(
        business_number=q.business.business_number,
        business_name=q.business.name,
        mou=q.business.mou,
        daily_limit=q.daily_limit,
        used_today=q.used_today,
        remaining_today=q.remaining_today,
        date=q.day,
    )


@router.post(
    "/reservations",
    status_code=status.HTTP_201_CREATED,
    response_model=BulkReservationView,
    summary="Reserve a bulk issuance for today, within the daily limit",
    description="MOU businesses may reserve 100 a Seoul calendar day, others 20 (from the "
    "district file), summed over the day and enforced atomically. 409 `bulk_quota_exceeded` "
    "with `remaining`. A replayed `Idempotency-Key` answers 200 with the stored reservation.",
)
def reserve(
    body: BulkReservationRequest,
    store: StoreDep,
    district: DistrictDep,
    now: NowDep,
    response: Response,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> BulkReservationView:
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
