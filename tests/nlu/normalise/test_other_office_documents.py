"""Documents of other offices (court registry, national tax service) are no district documents."""

from datetime import date

import pytest

from nlu.normalise.documents import find_documents, parse_document
from nlu.normalise.extract import extract_entities, normalise

TODAY = date(2026, 11, 25)


def _documents(text: str) -> list[tuple[str, str]]:
    return [(e.text, e.value) for e in extract_entities(text, TODAY) if e.entity == "document"]


@pytest.mark.parametrize(
    "text",
    [
        "부동산 등기부등본",
        "부동산 등기부등본 떼 주세요",
        "부동산등기부등본 필요해요",
        "부동산 등기부 등본 떼려고요",
        "아파트 등기부등본 발급돼요?",
        "부동산 등기 등본이요",
        "법인 등기부등본 두 통이요",
        "국세 완납증명서",
        "국세 완납 증명서 필요해요",
        "국세완납증명서 떼 주세요",
        "국세 납세증명서요",
        "국세 납부증명서 뗄 수 있어요?",
        "국세청 납세증명서 필요해요",
        "세무서 완납증명서요",
    ],
)
def test_a_document_of_another_office_is_no_district_document(text: str) -> None:
    assert find_documents(text) == []
    assert _documents(text) == []
    assert normalise("document", text, TODAY) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("지방세 납세증명서", [("지방세 납세증명서", "local_tax_payment")]),
        ("지방세 완납증명서 떼 주세요", [("지방세 완납증명서", "local_tax_payment")]),
        ("지방세 완납 증명서요", [("지방세 완납 증명서", "local_tax_payment")]),
        ("납세증명서 한 통이요", [("납세증명서", "local_tax_payment")]),
        ("국세 말고 지방세 완납증명서요", [("지방세 완납증명서", "local_tax_payment")]),
        (
            "국세 완납증명서 말고 지방세 납세증명서요",
            [("지방세 납세증명서", "local_tax_payment")],
        ),
        (
            "부동산 등기부등본이랑 주민등록등본 떼 주세요",
            [("주민등록등본", "resident_copy")],
        ),
        ("등기부등본 말고 등본이요", [("등본", "resident_copy")]),
    ],
)
def test_a_district_document_next_to_another_office_document_is_still_found(
    text: str, expected: list[tuple[str, str]]
) -> None:
    assert _documents(text) == expected


@pytest.mark.parametrize(
    ("raw", "document"),
    [("지방세 납세증명서", "local_tax_payment"), ("지방세 완납증명서", "local_tax_payment")],
)
def test_the_local_tax_certificate_span_still_normalises(raw: str, document: str) -> None:
    assert parse_document(raw) == document
