"""Bulk reservations for businesses: today's quota said, counts that fit, one reservation."""

from __future__ import annotations

from typing import Any

from rasa_sdk.executor import CollectingDispatcher

from actions.bulk import ActionSubmitBulk, ValidateBulkForm
from tests.actions.trackers import DOMAIN, form_turn, responses_of, slots_of

FORM = "bulk_form"


async def run_turn(**kwargs: Any) -> tuple[dict[str, Any], list[str], CollectingDispatcher]:
    dispatcher = CollectingDispatcher()
    events = await ValidateBulkForm().run(dispatcher, form_turn(FORM, **kwargs), DOMAIN)
    return slots_of(events), responses_of(dispatcher), dispatcher


async def test_the_quota_left_today_is_said_after_the_business_number(backend: str) -> None:
    slots, said, dispatcher = await run_turn(
        before={"requested_slot": "business_number"},
        intent="inform",
        entities={"business_number": "1234567890"},
    )
    assert said == ["utter_bulk_quota"]
    assert dispatcher.messages[0]["daily_limit"] == 100
    assert slots["requested_slot"] == "document"


async def test_only_the_bulk_documents_are_accepted(backend: str) -> None:
    slots, said, _ = await run_turn(
        before={
            "business_number": "1234567890",
            "bulk_quota": {"remaining_today": 100},
            "requested_slot": "document",
        },
        intent="inform",
        entities={"document": "family_relation"},
    )
    assert said == ["utter_bulk_document_not_allowed"]
    assert slots["document"] is None


async def test_a_count_over_what_is_left_is_refused_before_asking(backend: str) -> None:
    quota = {"business_number": "9876543210", "business_name": "x", "remaining_today": 20}
    slots, said, dispatcher = await run_turn(
        before={
            "business_number": "9876543210",
            "bulk_quota": quota,
            "document": "resident_copy",
            "requested_slot": "copies",
        },
        intent="inform",
        entities={"copies": "25"},
    )
    assert said == ["utter_bulk_quota_exceeded"]
    assert dispatcher.messages[0]["remaining"] == 20
    assert slots["copies"] is None


async def test_a_reservation_within_the_quota_is_made_once(backend: str) -> None:
    first = await run_turn(
        before={"requested_slot": "business_number"},
        intent="inform",
        entities={"business_number": "1234567890"},
    )
    state = {
        "business_number": "1234567890",
        **first[0],
        "document": "resident_abstract",
        "copies": "30",
        "requested_slot": "bulk_confirmed",
    }
    slots, _, _ = await run_turn(
        before=state,
        intent="affirm",
        candidates={"bulk_confirmed": True},
        sender_id="conv-bulk",
        message_id="conv-bulk-yes",
    )
    reservation = slots["bulk_reservation"]
    assert reservation["count"] == 30
    assert slots["requested_slot"] is None
    again, _, _ = await run_turn(
        before=state,
        intent="affirm",
        candidates={"bulk_confirmed": True},
        sender_id="conv-bulk",
        message_id="conv-bulk-yes",
    )
    assert again["bulk_reservation"]["reservation_id"] == reservation["reservation_id"]

    dispatcher = CollectingDispatcher()
    await ActionSubmitBulk().run(
        dispatcher,
        form_turn(FORM, before={**state, **slots}, intent="affirm", candidates={}),
        DOMAIN,
    )
    assert responses_of(dispatcher) == ["utter_bulk_reserved"]


async def test_a_no_ends_without_reserving(backend: str) -> None:
    slots, said, _ = await run_turn(
        before={
            "business_number": "1234567890",
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
