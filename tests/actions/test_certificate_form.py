"""The certificate form's validation: one turn at a time, against the real backend."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.certificate_form import (
    ActionAskOrderConfirmed,
    ActionSubmitCertificate,
    ValidateCertificateForm,
)
from tests.actions.trackers import DOMAIN, form_turn, latest_code, responses_of, slots_of

FORM = "certificate_form"
KIM = {"person_name": "김영희", "birth_date": "1950-03-02", "phone_number": "01012345678"}
LEE = {"person_name": "이민준", "birth_date": "1990-07-15", "phone_number": "01023456789"}


async def run_turn(**kwargs: Any) -> tuple[dict[str, Any], list[str], CollectingDispatcher]:
    dispatcher = CollectingDispatcher()
    events = await ValidateCertificateForm().run(dispatcher, form_turn(FORM, **kwargs), DOMAIN)
    return slots_of(events), responses_of(dispatcher), dispatcher


async def test_several_values_in_one_message_leave_only_the_summary_to_ask(backend: str) -> None:
    slots, said, _ = await run_turn(
        before={},
        intent="request_certificate",
        entities={"document": "resident_copy", "copies": "2", "method": "kiosk"},
    )
    assert slots["document"] == "resident_copy"
    assert slots["copies"] == "2"
    assert slots["method"] == "kiosk"
    assert slots["requested_slot"] == "order_confirmed"
    assert said == ["utter_order_summary_free"]  # the summary is the question


@pytest.mark.parametrize(
    ("text", "method"),
    [
        ("발급기로 뽑을게요", "kiosk"),
        ("주민센터 창구에서 받을게요", "counter"),
        ("정부24로 할게요", "online"),
        ("인터넷으로요", "online"),
        ("집으로 갖다 주세요", "delivery"),
    ],
)
async def test_free_text_answers_the_way_of_getting_it(
    backend: str, text: str, method: str
) -> None:
    slots, _, _ = await run_turn(
        before={"document": "resident_copy", "copies": "1", "requested_slot": "method"},
        intent="inform",
        text=text,
        candidates={},
    )
    assert slots["method"] == method


async def test_question_in_the_middle_is_not_read_as_an_answer(backend: str) -> None:
    dispatcher = CollectingDispatcher()
    tracker = form_turn(
        FORM,
        before={"document": "resident_copy", "copies": "1", "requested_slot": "method"},
        intent="ask_kiosk",
        text="발급기 어디 있어요?",
        candidates={},
    )
    events = await ValidateCertificateForm().run(dispatcher, tracker, DOMAIN)
    # The form hands the turn to the rules (one answers), counting it as unanswered.
    assert events[-1]["event"] == "action_execution_rejected"
    assert slots_of(events) == {"retry_counts": {"method": 1}}


async def test_seal_certificate_cannot_be_had_online(backend: str) -> None:
    slots, said, _ = await run_turn(
        before={"document": "seal_certificate", "copies": "1", "requested_slot": "method"},
        intent="inform",
        entities={"method": "online"},
    )
    assert slots["method"] is None
    assert said == ["utter_method_not_available", "utter_ask_method"]
    assert slots["requested_slot"] == "method"


async def test_three_wrong_counts_hand_over_to_a_person(backend: str) -> None:
    before: dict[str, Any] = {"document": "resident_copy", "requested_slot": "copies"}
    said_all = []
    for _ in range(3):
        slots, said, _ = await run_turn(before=before, intent="inform", entities={"copies": "50"})
        said_all += said
        before = {**before, "retry_counts": slots["retry_counts"]}
    # The second time what is accepted is said instead of the question; the third, a person.
    assert said_all == [
        "utter_invalid_copies",
        "utter_ask_copies",
        "utter_options_copies",
        "utter_handing_over",
    ]
    assert slots["requested_slot"] is None


async def test_a_changed_count_after_the_summary_is_confirmed_again(backend: str) -> None:
    before = {
        "document": "resident_copy",
        "copies": "2",
        "method": "counter",
        "order_confirmed": None,
        "requested_slot": "order_confirmed",
    }
    # "아니 세 통이요": deny plus a new count
    slots, said, _ = await run_turn(
        before=before,
        intent="deny",
        entities={"copies": "3"},
        candidates={"copies": "3", "order_confirmed": False},
    )
    assert slots["copies"] == "3"
    assert slots["order_confirmed"] is None
    assert slots["requested_slot"] == "order_confirmed"
    assert "utter_order_change_prompt" not in said


async def test_a_bare_no_asks_what_to_change(backend: str) -> None:
    before = {
        "document": "resident_copy",
        "copies": "2",
        "method": "counter",
        "requested_slot": "order_confirmed",
    }
    slots, said, _ = await run_turn(
        before=before, intent="deny", candidates={"order_confirmed": False}
    )
    assert said == ["utter_order_change_prompt"]
    assert slots["order_confirmed"] is None


async def test_summary_quotes_the_fee_from_the_backend(backend: str) -> None:
    tracker = form_turn(
        FORM,
        before={"document": "family_relation", "copies": "2", "method": "counter"},
        intent="inform",
        candidates={},
    )
    dispatcher = CollectingDispatcher()
    await ActionAskOrderConfirmed().run(dispatcher, tracker, DOMAIN)
    message = dispatcher.messages[0]
    assert message["utter_action"] == "utter_order_summary"
    assert message["fee_krw"] == "2,000"
    assert message["document_name"] == "가족관계증명서"


async def test_a_kiosk_document_free_in_the_district_is_said_to_be_free(backend: str) -> None:
    tracker = form_turn(
        FORM,
        before={"document": "resident_copy", "copies": "1", "method": "kiosk"},
        intent="inform",
        candidates={},
    )
    dispatcher = CollectingDispatcher()
    await ActionAskOrderConfirmed().run(dispatcher, tracker, DOMAIN)
    assert responses_of(dispatcher) == ["utter_order_summary_free"]


async def confirm_identity(
    backend: str, before: dict[str, Any], person: dict[str, str], sender_id: str
) -> dict[str, Any]:
    """Give name, birth date and phone, then the code from the outbox; return the slots."""
    slots, said, _ = await run_turn(
        before={**before, "requested_slot": "person_name"},
        intent="inform",
        entities=person,
        sender_id=sender_id,
    )
    assert slots["requested_slot"] == "otp_code", said
    state = {**before, **slots}
    code = latest_code(backend, person["phone_number"])
    slots, said, _ = await run_turn(
        before=state,
        intent="inform",
        entities={"otp_code": code},
        sender_id=sender_id,
        message_id=f"{sender_id}-otp",
    )
    assert "utter_identity_confirmed" in said
    return {**state, **slots}


async def test_kiosk_order_is_placed_after_identity_and_made_once(backend: str) -> None:
    before = {
        "document": "resident_copy",
        "copies": "1",
        "method": "kiosk",
        "order_confirmed": True,
        "order_idempotency_key": None,
    }
    state = await confirm_identity(backend, before, KIM, "conv-kiosk-once")
    assert state["requested_slot"] is None
    order_id = state["placed_order_id"]
    assert len(order_id) == 8
    assert order_id.isdigit()
    assert state["identity_token"]
    assert state["otp_code"] is None

    # The same confirming message again (a webhook delivered twice): the same order comes back.
    replay = {
        **before,
        "identity_token": state["identity_token"],
        "identity_expires_at": state["identity_expires_at"],
        "requested_slot": "otp_code",
    }
    slots, _, _ = await run_turn(
        before=replay,
        intent="inform",
        candidates={},
        sender_id="conv-kiosk-once",
        message_id="conv-kiosk-once-otp",
    )
    assert slots["placed_order_id"] == order_id

    dispatcher = CollectingDispatcher()
    tracker = form_turn(
        FORM, before=state, intent="inform", candidates={}, sender_id="conv-kiosk-once"
    )
    events = await ActionSubmitCertificate().run(dispatcher, tracker, DOMAIN)
    assert dispatcher.messages[0]["utter_action"] == "utter_order_placed_kiosk"
    assert dispatcher.messages[0]["order_id"] == order_id
    kept = slots_of(events)
    assert kept["document"] is None
    assert "identity_token" not in kept  # identity outlives the request


async def test_identity_is_skipped_while_the_token_is_good(backend: str) -> None:
    first = await confirm_identity(
        backend,
        {"document": "resident_copy", "copies": "1", "method": "counter", "order_confirmed": True},
        KIM,
        "conv-token-reuse",
    )
    token = {k: first[k] for k in ("identity_token", "identity_expires_at")}
    slots, said, _ = await run_turn(
        before={
            **token,
            "document": "resident_abstract",
            "copies": "1",
            "method": "online",
            "requested_slot": "order_confirmed",
        },
        intent="affirm",
        candidates={"order_confirmed": True},
        sender_id="conv-token-reuse",
    )
    assert slots["placed_order_id"].isdigit()
    assert slots["requested_slot"] is None
    assert "utter_ask_person_name" not in said


async def test_a_wrong_code_says_the_tries_left_and_asks_again(backend: str) -> None:
    before = {
        "document": "resident_copy",
        "copies": "1",
        "method": "kiosk",
        "order_confirmed": True,
        "requested_slot": "person_name",
    }
    slots, _, _ = await run_turn(
        before=before, intent="inform", entities=LEE, sender_id="conv-wrong-code"
    )
    state = {**before, **slots}
    right = latest_code(backend, LEE["phone_number"])
    wrong = "000000" if right != "000000" else "111111"
    slots, said, dispatcher = await run_turn(
        before=state, intent="inform", entities={"otp_code": wrong}, sender_id="conv-wrong-code"
    )
    assert said == ["utter_otp_wrong"]
    assert dispatcher.messages[0]["tries_left"] == 4
    assert slots["requested_slot"] == "otp_code"


async def test_a_code_read_as_a_birth_date_still_counts_as_the_code(backend: str) -> None:
    before = {
        "document": "resident_copy",
        "copies": "1",
        "method": "kiosk",
        "order_confirmed": True,
        "requested_slot": "person_name",
    }
    slots, _, _ = await run_turn(
        before=before, intent="inform", entities=KIM, sender_id="conv-code-as-date"
    )
    state = {**before, **slots}
    code = latest_code(backend, KIM["phone_number"])
    # The NLU took e.g. "500302" for a birth date; the text still has the six digits.
    slots, said, _ = await run_turn(
        before=state,
        intent="inform",
        text=code,
        entities={"birth_date": "2000-01-01"},
        sender_id="conv-code-as-date",
    )
    assert slots["birth_date"] == KIM["birth_date"]
    assert "utter_identity_confirmed" in said


async def test_delivery_to_an_ineligible_resident_offers_the_other_ways(backend: str) -> None:
    before = {"document": "resident_copy", "copies": "1", "method": "delivery"}
    state = await confirm_identity(backend, before, LEE, "conv-refused")
    assert state["method"] is None
    assert state["delivery_refused"] is True
    assert state["requested_slot"] == "method"
    assert state.get("placed_order_id") is None


async def test_delivery_reads_back_the_masked_address_before_ordering(backend: str) -> None:
    pregnant = {"person_name": "박서연", "birth_date": "1994-11-30", "phone_number": "01034567890"}
    state = await confirm_identity(
        backend,
        {"document": "resident_copy", "copies": "1", "method": "delivery"},
        pregnant,
        "conv-delivery",
    )
    assert state["delivery_checked"] is True
    assert "*" in state["delivery_address_masked"]
    assert state["requested_slot"] == "order_confirmed"
    slots, _, _ = await run_turn(
        before=state,
        intent="affirm",
        candidates={"order_confirmed": True},
        sender_id="conv-delivery",
    )
    assert slots["placed_order"]["method"] == "delivery"
    assert slots["placed_order"]["deadline_at"]


async def test_backend_down_keeps_every_answer_and_asks_to_retry(backend_down: str) -> None:
    before = {
        "document": "resident_copy",
        "copies": "1",
        "method": "kiosk",
        "order_confirmed": True,
        "requested_slot": "person_name",
    }
    slots, said, _ = await run_turn(before=before, intent="inform", entities=KIM)
    assert slots["requested_slot"] == "backend_retry"
    assert slots["backend_pending"] == "send_code"
    assert slots["phone_number"] == KIM["phone_number"]
    assert said == ["utter_backend_unavailable"]  # the retry question


async def test_retry_after_the_backend_is_back_sends_the_code(backend: str) -> None:
    before = {
        "document": "resident_copy",
        "copies": "1",
        "method": "kiosk",
        "order_confirmed": True,
        **KIM,
        "backend_pending": "send_code",
        "backend_problem": {"code": "unavailable"},
        "requested_slot": "backend_retry",
    }
    slots, _, _ = await run_turn(before=before, intent="nlu_fallback", text="다시", candidates={})
    assert slots["backend_pending"] is None
    assert slots["challenge_id"]
    assert slots["requested_slot"] == "otp_code"


async def test_rrn_in_the_middle_of_the_form_gets_the_warning(backend: str) -> None:
    slots, said, _ = await run_turn(
        before={"document": "resident_copy", "requested_slot": "copies"},
        intent="inform",
        entities={"pii_rrn": "masked"},
        candidates={},
        text="******-*******",
    )
    assert said == ["utter_pii_warning", "utter_ask_copies"]
    assert slots["pii_warned_for"]
    assert slots["requested_slot"] == "copies"


def test_backend_fixture_answers(live_backend: str) -> None:
    assert httpx.get(f"{live_backend}/health", timeout=5).status_code == 200


async def test_a_bare_name_the_nlu_could_not_classify_is_still_the_name(backend: str) -> None:
    slots, _, _ = await run_turn(
        before={
            "document": "resident_copy",
            "copies": "1",
            "method": "kiosk",
            "order_confirmed": True,
            "requested_slot": "person_name",
        },
        intent="nlu_fallback",
        text="서은주요",
        candidates={},
    )
    assert slots["person_name"] == "서은주"
    assert slots["requested_slot"] == "birth_date"
