"""District facts and fee quotes (data from the district file)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from app.api.deps import DistrictDep, ServiceAuth
from app.schemas import FeeQuoteView, Method
from app.services.district_view import describe_district
from app.services.fees import quote_fee

router = APIRouter(prefix="/api/v1", tags=["district"], dependencies=[ServiceAuth])


@router.get("/district", summary="District facts: dongs, hours, fees, delivery and bulk rules")
def district_facts(district: DistrictDep) -> dict[str, Any]:
    return describe_district(district)


@router.get("/fees/quote", response_model=FeeQuoteView, summary="Fee for a document and method")
def fee_quote(
    district: DistrictDep,
    document: Annotated[str, Query(min_length=1, max_length=60)],
    method: Annotated[Method, Query()],
    copies: Annotated[int, Query()] = 1,
) -> FeeQuoteView:
    quote = quote_fee(district, document=document, method=method, copies=copies)
    return FeeQuoteView(
        document=quote.document,
        method=quote.method,
        copies=quote.copies,
        fee_per_copy_krw=quote.fee_per_copy_krw,
        fee_krw=quote.fee_krw,
        free_reason=quote.free_reason,
    )
