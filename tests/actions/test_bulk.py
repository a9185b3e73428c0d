"""Bulk reservations for businesses: proof first, today's quota said, counts that fit, one
reservation. Run from tracker fixtures against the real backend (tests/actions/conftest.py)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from rasa_sdk.executor import CollectingDispatcher

from actions.bulk import ActionSubmitBulk, ValidateBulkForm, reserve, staff_code_in
from tests.actions.trackers import (
    DOMAIN,
    form_turn,
    latest_code,
    responses_of,
    slots_of,
)

FORM = "bulk_form"
MOU, NO_MOU = "1234567890", "9876543210"
CONTACTS = {MOU: "01077770001", NO_MOU: "01077770002"}


async def run_turn(**kwargs: Any) -> tuple[dict[str, Any], list[str], CollectingDispatcher]:
    dispatcher = CollectingDispatcher()
    events = await ValidateBulkForm().run(dispatcher, form_turn(FORM, **kwargs), DOMAIN)
    return slots_of(events), responses_of(dispatcher), dispatcher


def staff_reservation_code(backend: str, business: str) -> str:
    """What counter staff read out to a business: a one-use reservation code."""
    login = httpx.post(
        f"{backend}/api/v1/staff/login",
        json={"username": "counter1", "password": "counter-dev-pass"},
        timeout=10,
    )
    issued = httpx.post(
        f"{backend}/api/v1/staff/bulk/reservation-tokens",
        headers={"Authorization": f"Bearer {login.json()['token']}"},
        json={"business_number": business},
        timeout=10,
    )
    assert issued.status_code == 201, issued.text
    return str(issued.json()["reservation_token"])


async def proven_by_staff_code(backend: str, business: str, sender: str) -> dict[str, Any]:
    """The slots after the business number and a staff reservation code (no SMS spent)."""
    code = staff_reservation_code(backend, business)
    first, said, _ = await run_turn(
        before={"requested_slot": "business_number"},
        intent="inform",
        entities={"business_number": business},
        sender_id=sender,
    )
    assert said == ["utter_business_code_sent", "utter_ask_business_code"]
    state = {"business_number": business, **first}
    slots, said, _ = await run_turn(
        before=state, intent="inform", text=f"예약 코드는 {code} 입니다", sender_id=sender
    )
    assert said == ["utter_bulk_quota", "utter_ask_bulk_form_document"], said
    return {**state, **slots}


async def test_the_code_goes_to_the_registered_contact_and_then_the_quota_is_said(
    backend: str,
) -> None:
    sender = f"web:{uuid.uuid4().hex[:10]}"
    slots, said, dispatcher = await run_turn(
        before={"requested_slot": "business_number"},
        intent="inform",
        entities={"business_number": MOU},
        sender_id=sender,
    )
    assert said == ["utter_business_code_sent", "utter_ask_business_code"]
    assert dispatcher.messages[0]["masked_phone"] == "010-****-0001"
    assert "담당자 휴대폰(010-****-0001)" in dispatcher.messages[0]["text"]
    assert "3분 안에" in dispatcher.messages[0]["text"]
    assert slots["requested_slot"] == "business_code"
    assert "bulk_quota" not in slots  # nothing about the business before the proof
    state = {"business_number": MOU, **slots}
    code = latest_code(backend, CONTACTS[MOU])
    proven, said, dispatcher = await run_turn(
        before=state, intent="inform", text=code, entities={"otp_code": code}, sender_id=sender
    )
    assert said == ["utter_bulk_quota", "utter_ask_bulk_form_document"]
    assert dispatcher.messages[0]["daily_limit"] == 100
    assert proven["business_token"]
    assert proven["requested_slot"] == "document"


async def test_a_wrong_code_is_asked_again(backend: str) -> None:
    sender = f"web:{uuid.uuid4().hex[:10]}"
    first, _, _ = await run_turn(
        before={"requested_slot": "business_number"},
        intent="inform",
        entities={"business_number": NO_MOU},
        sender_id=sender,
    )
    real = latest_code(backend, CONTACTS[NO_MOU])
    wrong = "000000" if real != "000000" else "111111"
    slots, said, _ = await run_turn(
        before={"business_number": NO_MOU, **first}, intent="inform", text=wrong, sender_id=sender
    )
    assert said == ["utter_otp_wrong", "utter_ask_business_code"]
    assert slots["requested_slot"] == "business_code"
    assert not slots.get("business_token")


async def test_a_bulk_reservation_without_proof_is_refused(backend: str) -> None:
    state = {
        "business_number": MOU,
        "bulk_quota": {"business_number": MOU, "remaining_today": 100},
        "document": "resident_copy",
        "copies": "3",
        "bulk_confirmed": True,
        "business_token": "made-up-token",
        "requested_slot": "bulk_confirmed",
    }
    dispatcher = CollectingDispatcher()
    tracker = form_turn(FORM, before=state, intent="affirm", candidates={})
    changes = await reserve(dispatcher, tracker)
    assert responses_of(dispatcher) == ["utter_business_proof_required"]
    assert "bulk_reservation" not in changes
    assert changes["business_token"] is None  # proved again before anything is reserved


async def test_a_staff_reservation_code_proves_the_business_once(backend: str) -> None:
    sender = f"kakao:{uuid.uuid4().hex[:10]}"
    state = await proven_by_staff_code(backend, NO_MOU, sender)
    assert state["business_token"]
    assert state["requested_slot"] == "document"


async def test_only_the_bulk_documents_are_accepted(backend: str) -> None:
    slots, said, _ = await run_turn(
        before={
            "business_number": MOU,
            "business_token": "t",
            "business_code": "123456",
            "bulk_quota": {"remaining_today": 100},
            "requested_slot": "document",
        },
        intent="inform",
        entities={"document": "family_relation"},
    )
    assert said == ["utter_bulk_document_not_allowed", "utter_ask_bulk_form_document"]
    assert slots["document"] is None


async def test_a_count_over_what_is_left_is_refused_before_asking(backend: str) -> None:
    quota = {"business_number": NO_MOU, "business_name": "x", "remaining_today": 20}
    slots, said, dispatcher = await run_turn(
        before={
            "business_number": NO_MOU,
            "business_token": "t",
            "business_code": "123456",
            "bulk_quota": quota,
            "document": "resident_copy",
            "requested_slot": "copies",
        },
        intent="inform",
        entities={"copies": "25"},
    )
    assert said == ["utter_bulk_quota_exceeded", "utter_ask_bulk_form_copies"]
    assert dispatcher.messages[0]["remaining"] == 20
    assert slots["copies"] is None


async def test_a_proven_reservation_is_made_once_with_an_eight_digit_number(
    backend: str,
) -> None:
    sender = f"telegram:{uuid.uuid4().hex[:10]}"
    proven = await proven_by_staff_code(backend, MOU, sender)
    state = {
        **proven,
        "document": "resident_abstract",
        "copies": "3",
        "requested_slot": "bulk_confirmed",
    }
    slots, _, _ = await run_turn(
        before=state,
        intent="affirm",
        candidates={"bulk_confirmed": True},
        sender_id=sender,
        message_id=f"{sender}-yes",
    )
    reservation = slots["bulk_reservation"]
    assert reservation["count"] == 3
    assert len(reservation["reservation_id"]) == 8
    assert reservation["reservation_id"].isdigit()
    assert slots["requested_slot"] is None
    again, _, _ = await run_turn(
        before=state,
        intent="affirm",
        candidates={"bulk_confirmed": True},
        sender_id=sender,
        message_id=f"{sender}-yes",
    )
    assert again["bulk_reservation"]["reservation_id"] == reservation["reservation_id"]

    dispatcher = CollectingDispatcher()
    events = await ActionSubmitBulk().run(
        dispatcher,
        form_turn(FORM, before={**state, **slots}, intent="affirm", candidates={}),
        DOMAIN,
    )
    assert responses_of(dispatcher) == ["utter_bulk_reserved"]
    assert slots_of(events)["business_token"] is None  # the credential ends with the request


async def test_a_no_ends_without_reserving(backend: str) -> None:
    slots, said, _ = await run_turn(
        before={
            "business_number": MOU,
            "business_token": "t",
            "business_code": "123456",
            "bulk_quota": {"remaining_today": 5},
            "document": "resident_copy",
            "copies": "2",
            "requested_slot": "bulk_confirmed",
        },
        intent="deny",
        candidates={"bulk_confirmed": False},
    )
    assert said == ["utter_bulk_not_confirmed"]
    assert slots["bulk_reservation"] == {"status": "declined"}
    assert slots["requested_slot"] is None


def test_staff_codes_are_read_but_digits_stay_digits() -> None:
    assert staff_code_in("코드는 abcde-23456 이에요") == "ABCDE-23456"
    assert staff_code_in("ABCDE23456") == "ABCDE-23456"
    assert staff_code_in("1234567890") is None  # a business number, not a code
    assert staff_code_in("123456") is None
