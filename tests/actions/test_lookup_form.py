"""Status by order number, and cancel with identity (the last request or a given number)."""

from __future__ import annotations

from typing import Any

from rasa_sdk.executor import CollectingDispatcher

from actions.certificate_form import ValidateCertificateForm
from actions.lookup_form import ActionAskCancelConfirmed, ActionSubmitLookup, ValidateLookupForm
from tests.actions.trackers import DOMAIN, form_turn, latest_code, responses_of, slots_of

CHOI = {"person_name": "최동훈", "birth_date": "1985-01-20", "phone_number": "01045678901"}


async def run_lookup(**kwargs: Any) -> tuple[dict[str, Any], list[str], CollectingDispatcher]:
    dispatcher = CollectingDispatcher()
    events = await ValidateLookupForm().run(dispatcher, form_turn("lookup_form", **kwargs), DOMAIN)
    return slots_of(events), responses_of(dispatcher), dispatcher


async def place_order(backend: str, sender_id: str) -> dict[str, Any]:
    """A counter order by 최동훈; returns the slots (identity token included)."""
    form = ValidateCertificateForm()
    before = {
        "document": "basic_cert",
        "copies": "1",
        "method": "counter",
        "order_confirmed": True,
        "requested_slot": "person_name",
    }
    events = await form.run(
        CollectingDispatcher(),
        form_turn(
            "certificate_form", before=before, intent="inform", entities=CHOI, sender_id=sender_id
        ),
        DOMAIN,
    )
    state = {**before, **slots_of(events)}
    code = latest_code(backend, CHOI["phone_number"])
    events = await form.run(
        CollectingDispatcher(),
        form_turn(
            "certificate_form",
            before=state,
            intent="inform",
            entities={"otp_code": code},
            sender_id=sender_id,
        ),
        DOMAIN,
    )
    return {**state, **slots_of(events)}


async def test_status_by_number_needs_no_identity(backend: str) -> None:
    order = await place_order(backend, "conv-status")
    slots, _, _ = await run_lookup(
        before={"lookup_purpose": "status"},
        intent="check_status",
        entities={"order_id": order["placed_order_id"]},
        sender_id="conv-other",
    )
    assert slots["lookup_result"] == "status"
    assert slots["requested_slot"] is None
    dispatcher = CollectingDispatcher()
    await ActionSubmitLookup().run(
        dispatcher,
        form_turn(
            "lookup_form",
            before={**slots, "lookup_purpose": "status"},
            intent="check_status",
            candidates={},
        ),
        DOMAIN,
    )
    assert dispatcher.messages[0]["utter_action"] == "utter_order_status"
    assert dispatcher.messages[0]["status_label"]


async def test_an_unknown_number_is_asked_again(backend: str) -> None:
    slots, said, _ = await run_lookup(
        before={"lookup_purpose": "status", "requested_slot": "order_id"},
        intent="inform",
        entities={"order_id": "99999999"},
    )
    assert said == ["utter_order_not_found", "utter_ask_order_id"]
    assert slots["requested_slot"] == "order_id"


async def test_the_last_request_is_cancelled_once_identity_is_confirmed(backend: str) -> None:
    order = await place_order(backend, "conv-cancel")
    token = {k: order[k] for k in ("identity_token", "identity_expires_at")}
    slots, _, _ = await run_lookup(
        before={**token, "lookup_purpose": "cancel"},
        intent="cancel_request",
        sender_id="conv-cancel",
    )
    assert slots["order_id"] == order["placed_order_id"]
    assert slots["requested_slot"] == "cancel_confirmed"

    state = {**token, "lookup_purpose": "cancel", **slots}
    dispatcher = CollectingDispatcher()
    await ActionAskCancelConfirmed().run(
        dispatcher,
        form_turn("lookup_form", before=state, intent="cancel_request", candidates={}),
        DOMAIN,
    )
    assert dispatcher.messages[0]["document_name"] == "기본증명서"

    slots, _, _ = await run_lookup(
        before=state,
        intent="affirm",
        candidates={"cancel_confirmed": True},
        sender_id="conv-cancel",
    )
    assert slots["lookup_result"] == "cancelled"


async def test_cancel_without_identity_asks_for_it_first(backend: str) -> None:
    slots, _, _ = await run_lookup(
        before={"lookup_purpose": "cancel"},
        intent="cancel_request",
        entities={"order_id": "12345678"},
    )
    assert slots["requested_slot"] == "person_name"


async def test_free_text_last_one_means_the_latest_order(backend: str) -> None:
    slots, _, _ = await run_lookup(
        before={"lookup_purpose": "status", "requested_slot": "order_id"},
        intent="inform",
        text="방금 신청한 거요",
        candidates={},
    )
    assert slots["order_id"] == "latest"
    assert slots["requested_slot"] == "person_name"
