"""Answers a resident types or says instead of pressing a button keep every value they carry."""

from __future__ import annotations

from datetime import date

import pytest

from nlu.normalise.extract import extract_entities

TODAY = date(2026, 11, 25)


def values(text: str) -> list[tuple[str, str]]:
    return [(s.entity, s.value) for s in extract_entities(text, TODAY)]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("박은희고요", "박은희"),
        ("정태수인데요", "정태수"),
        ("오말례이구요", "오말례"),
        ("저는 남기철이라고 해요", "남기철"),
        ("제 이름은 구본철이라고 해요", "구본철"),
        ("우리 영감 이름은 배철수인디요", "배철수"),
        ("이름이요 한상철이고요", "한상철"),
    ],
)
def test_a_name_followed_by_a_spoken_particle_is_the_name(text: str, name: str) -> None:
    assert values(text) == [("person_name", name)]


def test_an_opener_with_every_value_keeps_every_value() -> None:
    text = "초본 세 통 떼 주세요 이름은 곽정란이고요 1958년 4월 3일생 전화번호는 010-7712-3490이에요"
    assert values(text) == [
        ("document", "resident_abstract"),
        ("copies", "3"),
        ("person_name", "곽정란"),
        ("birth_date", "1958-04-03"),
        ("phone_number", "01077123490"),
    ]


def test_a_spoken_opener_with_every_value_keeps_every_value() -> None:
    text = "어 가족관계증명서 두 장이요 저는 표순자고요 오십삼년 칠월 구일생 공일공 삼삼이일 사사오육"
    assert values(text) == [
        ("document", "family_relation"),
        ("copies", "2"),
        ("person_name", "표순자"),
        ("birth_date", "1953-07-09"),
        ("phone_number", "01033214456"),
    ]


@pytest.mark.parametrize(
    ("text", "documents", "copies"),
    [
        ("초본이랑 등본 한 통씩이요", ["resident_abstract", "resident_copy"], ["1"]),
        ("가족관계증명서하고 기본증명서 한 부씩", ["family_relation", "basic_cert"], ["1"]),
        ("인감이랑 초본 두 통씩 주세요", ["seal_certificate", "resident_abstract"], ["2"]),
    ],
)
def test_two_documents_in_one_answer_are_two_document_entities(
    text: str, documents: list[str], copies: list[str]
) -> None:
    found = values(text)
    assert [v for e, v in found if e == "document"] == documents
    assert [v for e, v in found if e == "copies"] == copies
