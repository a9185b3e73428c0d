"""Small pure rules: fees, order numbers, masks, age (no database)."""

from __future__ import annotations

from datetime import date

import pytest

from app.district import DistrictFacts, load_district
from app.errors import CopiesOutOfRange, DocumentNotDeliverable, MethodNotAvailable, UnknownDocument
from app.services.eligibility import age_on
from app.services.fees import quote_fee
from app.services.masking import mask_address, mask_phone
from app.services.order_numbers import looks_like_date, new_order_number
from app.settings import Settings


@pytest.fixture(scope="module")
def district() -> DistrictFacts:
    settings = Settings()
    return load_district(settings.district_dir / settings.district_file, settings.operations_file)


@pytest.mark.parametrize(
    ("document", "method", "per_copy", "free_reason"),
    [
        ("resident_copy", "kiosk", 0, "kiosk_free_in_district"),
        ("removed_register", "kiosk", 0, "kiosk_free_in_district"),
        ("seal_certificate", "kiosk", 600, None),
        ("building_ledger", "kiosk", 500, None),
        ("family_relation", "counter", 1000, None),
        ("family_relation", "delivery", 1000, None),
        ("local_tax_payment", "online", 0, None),
    ],
)
def test_fee_per_copy(
    district: DistrictFacts, document: str, method: str, per_copy: int, free_reason: str | None
) -> None:
    quote = quote_fee(district, document=document, method=method, copies=2)
    assert (quote.fee_per_copy_krw, quote.fee_krw, quote.free_reason) == (
        per_copy,
        2 * per_copy,
        free_reason,
    )


@pytest.mark.parametrize(
    ("document", "method", "copies", "error"),
    [
        ("passport", "kiosk", 1, UnknownDocument),
        ("resident_copy", "kiosk", 0, CopiesOutOfRange),
        ("resident_copy", "kiosk", 11, CopiesOutOfRange),
        ("seal_certificate", "online", 1, MethodNotAvailable),
        ("land_ledger", "delivery", 1, DocumentNotDeliverable),
    ],
)
def test_fee_refusals(
    district: DistrictFacts, document: str, method: str, copies: int, error: type[Exception]
) -> None:
    with pytest.raises(error):
        quote_fee(district, document=document, method=method, copies=copies)


@pytest.mark.parametrize(
    ("number", "is_date"),
    [
        ("20481937", False),
        ("19500302", True),
        ("20240229", True),
        ("20230229", False),
        ("99991231", True),
        ("12345678", False),
    ],
)
def test_order_numbers_that_read_as_dates(number: str, is_date: bool) -> None:
    assert looks_like_date(number) is is_date


def test_new_order_numbers_are_eight_digits_never_dates() -> None:
    for _ in range(2000):
        number = new_order_number()
        assert len(number) == 8
        assert number[0] != "0"
        assert not looks_like_date(number)


def test_masks() -> None:
    assert mask_phone("01012345678") == "010-****-5678"
    assert mask_address("서울특별시 중구 다산로 101") == "서울특별시 중구 다산로 ***"
    assert mask_address("서울특별시 중구 퇴계로 88-1") == "서울특별시 중구 퇴계로 **-*"


@pytest.mark.parametrize(
    ("born", "today", "age"),
    [
        ((1956, 11, 26), (2026, 11, 25), 69),
        ((1956, 11, 26), (2026, 11, 26), 70),
        ((1956, 2, 29), (2026, 2, 28), 69),
        ((1956, 2, 29), (2026, 3, 1), 70),
    ],
)
def test_age_in_full_years(
    born: tuple[int, int, int], today: tuple[int, int, int], age: int
) -> None:
    assert age_on(date(*born), date(*today)) == age
