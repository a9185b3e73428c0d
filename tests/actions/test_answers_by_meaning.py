"""A resident who never presses a button: answers read by meaning, one turn at a time.

The form validation actions run the way Rasa runs them (tracker fixtures, the real backend);
each test is something a resident would notice in the conversation.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.certificate_form import (
    ActionAskOrderConfirmed,
    ActionSubmitCertificate,
    ValidateCertificateForm,
)
from actions.conversation import ActionHandleStrayInform, ActionStopRequest
from actions.form_engine import StepwiseFormValidation
from actions.identity import ActionAskOtpCode
from actions.lookup_form import ActionAskCancelConfirmed, ValidateLookupForm
from actions.questions import (
    ActionAskBirthDate,
    ActionAskCopies,
    ActionAskDocument,
    ActionAskMethod,
    ActionAskOrderId,
    ActionAskPersonName,
    ActionAskPhoneNumber,
)
from tests.actions.trackers import (
    DOMAIN,
    form_turn,
    latest_code,
    plain_turn,
    responses_of,
    slots_of,
)
from tests.e2e.resident import registry

KIM = {"person_name": "김영희", "birth_date": "1950-03-02", "phone_number": "01012345678"}
# The backend limits codes per phone: each test that sends one has its own resident.
_PEOPLE = iter(registry()[100:120])


def someone() -> dict[str, str]:
    person = next(_PEOPLE)
    return {
        "person_name": person.name,
        "birth_date": person.birth_date.isoformat(),
        "phone_number": person.phone,
    }


REQUEST = {"document": "resident_copy", "copies": "1", "method": "kiosk"}


async def validate(
    form: StepwiseFormValidation, form_name: str, **kwargs: Any
) -> tuple[list[dict[str, Any]], dict[str, Any], list[str]]:
    dispatcher = CollectingDispatcher()
    events = await form.run(dispatcher, form_turn(form_name, **kwargs), DOMAIN)
    return events, slots_of(events), responses_of(dispatcher)


async def certificate(**kwargs: Any) -> tuple[list[dict[str, Any]], dict[str, Any], list[str]]:
    return await validate(ValidateCertificateForm(), "certificate_form", **kwargs)


def rejected(events: list[dict[str, Any]]) -> bool:
    return any(e.get("event") == "action_execution_rejected" for e in events)


# --- answers by meaning -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("intent", "text", "method"),
    [
        ("ask_kiosk", "발급기로 할게요", "kiosk"),
        ("ask_kiosk", "무인기로 뽑을게요", "kiosk"),
        ("ask_hours", "동사무소 가서 받을게요", "counter"),
        ("ask_online", "정부24로 할게요", "online"),
        ("out_of_scope", "창구로요", "counter"),
        ("nlu_fallback", "키오스크요", "kiosk"),
    ],
)
async def test_a_way_of_receipt_named_in_a_sentence_is_the_answer_whatever_the_intent(
    backend: str, intent: str, text: str, method: str
) -> None:
    events, slots, _ = await certificate(
        before={"document": "resident_copy", "copies": "1", "requested_slot": "method"},
        intent=intent,
        entities={"method": method},
        text=text,
        candidates={},  # the domain's mappings skip question intents
    )
    assert not rejected(events)
    assert slots["method"] == method
    assert slots["requested_slot"] == "order_confirmed"


async def test_a_real_question_naming_the_kiosk_is_answered_not_taken(backend: str) -> None:
    events, slots, said = await certificate(
        before={"document": "resident_copy", "copies": "1", "requested_slot": "method"},
        intent="ask_kiosk",
        entities={"method": "kiosk"},
        text="발급기 어디 있어요?",
        candidates={},
    )
    assert rejected(events)  # a rule answers, then the form asks again
    assert "method" not in slots
    assert slots["retry_counts"] == {"method": 1}  # a digression counts as an unanswered turn
    assert said == []


@pytest.mark.parametrize(
    ("intent", "text", "copies"),
    [
        ("stop", "두", "2"),
        ("nlu_fallback", "세", "3"),
        ("inform", "둘이요", "2"),
        ("deny", "셋", "3"),
        ("nlu_fallback", "2요", "2"),
    ],
)
async def test_a_bare_count_answers_how_many(
    backend: str, intent: str, text: str, copies: str
) -> None:
    events, slots, said = await certificate(
        before={"document": "resident_copy", "requested_slot": "copies"},
        intent=intent,
        text=text,
        candidates={},
    )
    assert not rejected(events)
    assert slots["copies"] == copies
    assert "utter_request_stopped" not in said


@pytest.mark.parametrize("text", ["네 그렇게 해 주세요", "예 맞습니다", "응", "좋아요 신청해요"])
async def test_yes_in_any_register_confirms_the_order(backend: str, text: str) -> None:
    _, slots, _ = await certificate(
        before={**REQUEST, "requested_slot": "order_confirmed"},
        intent="request_certificate",
        text=text,
        candidates={},
    )
    assert slots["order_confirmed"] is True
    assert slots["requested_slot"] == "person_name"


async def test_a_document_named_under_a_fee_question_with_a_choice_is_the_answer(
    backend: str,
) -> None:
    _, slots, _ = await certificate(
        before={"requested_slot": "document"},
        intent="ask_fee",
        entities={"document": "family_relation"},
        text="가족관계증명서로 할게요",
        candidates={},
    )
    assert slots["document"] == "family_relation"


# --- leaving is deliberate ----------------------------------------------------------------


@pytest.mark.parametrize("intent", ["stop", "deny", "nlu_fallback", "cancel_request"])
@pytest.mark.parametrize("text", ["글쎄요", "잘 모르겠어요"])
async def test_an_unsure_answer_gets_help_not_a_stop(backend: str, intent: str, text: str) -> None:
    events, slots, said = await certificate(
        before={"document": "resident_copy", "copies": "1", "requested_slot": "method"},
        intent=intent,
        text=text,
        candidates={},
    )
    assert not rejected(events)
    assert said == ["utter_unsure_method", "utter_ask_method"]
    assert slots["requested_slot"] == "method"
    assert "document" not in slots  # nothing forgotten


async def test_a_half_done_request_is_dropped_only_after_yes(backend: str) -> None:
    before = {"document": "resident_copy", "copies": "2", "requested_slot": "method"}
    _, slots, said = await certificate(before=before, intent="stop", text="그만할래요")
    assert slots["requested_slot"] == "stop_confirmed"
    assert said == ["utter_ask_stop_confirmed"]  # "신청을 그만할까요?"
    asking = {**before, "requested_slot": "stop_confirmed"}

    _, kept, said = await certificate(before=asking, intent="deny", text="아니요")
    assert said == ["utter_request_continues", "utter_ask_method"]
    assert kept["requested_slot"] == "method"
    assert "document" not in kept

    _, dropped, said = await certificate(before=asking, intent="affirm", text="네")
    assert said == ["utter_request_stopped"]
    assert dropped["requested_slot"] is None
    assert dropped["document"] is None


async def test_an_answer_to_the_stop_question_that_is_a_value_carries_on(backend: str) -> None:
    _, slots, _ = await certificate(
        before={"document": "resident_copy", "copies": "2", "requested_slot": "stop_confirmed"},
        intent="inform",
        entities={"method": "counter"},
        text="창구에서 받을게요",
    )
    assert slots["method"] == "counter"
    assert slots["requested_slot"] == "order_confirmed"


async def test_stop_with_nothing_given_yet_leaves_at_once(backend: str) -> None:
    _, slots, said = await certificate(
        before={"requested_slot": "document"}, intent="stop", text="그만할래요"
    )
    assert said == ["utter_request_stopped"]
    assert slots["requested_slot"] is None


# --- no loops, ever -----------------------------------------------------------------------

ASKS: dict[str, Action] = {
    "document": ActionAskDocument(),
    "copies": ActionAskCopies(),
    "method": ActionAskMethod(),
    "order_confirmed": ActionAskOrderConfirmed(),
    "person_name": ActionAskPersonName(),
    "birth_date": ActionAskBirthDate(),
    "phone_number": ActionAskPhoneNumber(),
    "otp_code": ActionAskOtpCode(),
    "order_id": ActionAskOrderId(),
    "cancel_confirmed": ActionAskCancelConfirmed(),
}

# The state in which each question of the certificate and lookup forms is asked.
QUESTIONS: list[tuple[str, str, dict[str, Any]]] = [
    ("certificate_form", "document", {}),
    ("certificate_form", "copies", {"document": "resident_copy"}),
    ("certificate_form", "method", {"document": "resident_copy", "copies": "1"}),
    ("certificate_form", "order_confirmed", REQUEST),
    ("certificate_form", "person_name", {**REQUEST, "order_confirmed": True}),
    (
        "certificate_form",
        "birth_date",
        {**REQUEST, "order_confirmed": True, "person_name": "김영희"},
    ),
    (
        "certificate_form",
        "phone_number",
        {**REQUEST, "order_confirmed": True, "person_name": "김영희", "birth_date": "1950-03-02"},
    ),
    (
        "certificate_form",
        "otp_code",
        {**REQUEST, "order_confirmed": True, **KIM, "challenge_id": "pending-challenge"},
    ),
    ("lookup_form", "order_id", {"lookup_purpose": "status"}),
    (
        "lookup_form",
        "cancel_confirmed",
        {
            "lookup_purpose": "cancel",
            "order_id": "12345678",
            "lookup_order": {"order_id": "12345678", "document": "resident_copy"},
            "identity_token": "token",
            "identity_expires_at": "2999-01-01T00:00:00+00:00",
        },
    ),
]


def ask_tracker(
    form: str,
    slots: dict[str, Any],
    validation_said: list[dict[str, Any]],
    changed: dict[str, Any] | None = None,
) -> Tracker:
    """The tracker an ask action sees: the form's run so far, its messages included."""
    events: list[dict[str, Any]] = [{"event": "action", "name": form}]
    set_now = slots if changed is None else changed
    events += [{"event": "slot", "name": k, "value": v} for k, v in set_now.items()]
    events += [
        {"event": "bot", "text": m.get("text"), "metadata": {"utter_action": m["utter_action"]}}
        for m in validation_said
    ]
    return Tracker(
        sender_id=f"test-{uuid.uuid4().hex[:12]}",
        slots=slots,
        latest_message={"intent": {"name": "nlu_fallback"}, "entities": [], "text": "음"},
        events=events,
        paused=False,
        followup_action=None,
        active_loop={"name": form},
        latest_action_name=form,
    )


@pytest.mark.parametrize(("form", "slot", "state"), QUESTIONS, ids=[q[1] for q in QUESTIONS])
async def test_every_question_answered_with_nonsense_never_comes_a_third_time(
    backend: str, form: str, slot: str, state: dict[str, Any]
) -> None:
    validator: StepwiseFormValidation = (
        ValidateCertificateForm() if form == "certificate_form" else ValidateLookupForm()
    )
    slots = {**state, "requested_slot": slot}
    first = CollectingDispatcher()
    await ASKS[slot].run(first, ask_tracker(form, slots, []), DOMAIN)
    prompts = ["\n".join(m["text"] or "" for m in first.messages)]
    handed_over = False
    for _ in range(3):
        dispatcher = CollectingDispatcher()
        events = await validator.run(
            dispatcher,
            form_turn(
                form, before=slots, intent="nlu_fallback", text="음 그게 뭐였더라", candidates={}
            ),
            DOMAIN,
        )
        slots = {**slots, **slots_of(events)}
        if any(e.get("event") == "followup" and e.get("name") == "action_handoff" for e in events):
            handed_over = True
            assert slots["requested_slot"] is None
            prompts.append("\n".join(m["text"] for m in dispatcher.messages))
            break
        assert slots["requested_slot"] == slot
        ask = CollectingDispatcher()
        changed = {k: v for k, v in slots_of(events).items()}
        await ASKS[slot].run(ask, ask_tracker(form, slots, dispatcher.messages, changed), DOMAIN)
        prompts.append("\n".join(m["text"] or "" for m in [*dispatcher.messages, *ask.messages]))
    assert handed_over, prompts
    question = prompts[0]
    assert sum(question in p for p in prompts) <= 2, prompts  # never a third identical prompt
    assert any("상담원" in p for p in prompts[:3]), prompts  # a person is offered first


# --- everything said is kept --------------------------------------------------------------


async def test_an_opener_with_a_document_starts_the_certificate_form() -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionHandleStrayInform().run(
        dispatcher,
        plain_turn("inform", {"document": "resident_copy", "person_name": "김영희"}),
        DOMAIN,
    )
    assert {"event": "followup", "name": "certificate_form", "timestamp": None} in events
    assert dispatcher.messages == []


async def test_an_opener_with_every_value_leaves_only_the_summary_and_the_code(
    backend: str,
) -> None:
    _, slots, _ = await certificate(
        before={},
        intent="inform",
        entities={**REQUEST, "copies": "2", **(who := someone())},
        sender_id=f"conv-opener-{uuid.uuid4().hex[:6]}",
    )
    assert slots["document"] == "resident_copy"
    assert slots["copies"] == "2"
    assert slots["person_name"] == who["person_name"]
    assert slots["challenge_id"]  # the code is on its way while the summary is read
    assert slots["requested_slot"] == "order_confirmed"


def two_documents_turn(before: dict[str, Any], copies: list[str]) -> Tracker:
    tracker = form_turn(
        "certificate_form",
        before=before,
        intent="request_certificate",
        text="등본이랑 초본 한 통씩 떼 주세요",
        candidates={"document": "resident_abstract"},
    )
    tracker.latest_message["entities"] = [
        {"entity": "document", "value": "resident_copy", "start": 0},
        {"entity": "document", "value": "resident_abstract", "start": 5},
        *({"entity": "copies", "value": c, "start": 10 + i} for i, c in enumerate(copies)),
    ]
    return tracker


async def test_two_documents_in_one_request_are_both_kept_and_ordered_one_after_the_other(
    backend: str,
) -> None:
    dispatcher = CollectingDispatcher()
    events = await ValidateCertificateForm().run(dispatcher, two_documents_turn({}, ["1"]), DOMAIN)
    slots = slots_of(events)
    assert slots["document"] == "resident_copy"
    assert slots["copies"] == "1"
    assert slots["queued_documents"] == [{"document": "resident_abstract", "copies": "1"}]
    assert responses_of(dispatcher) == ["utter_documents_queued", "utter_ask_method"]

    # The first is ordered; the submit action then starts the form again for the second.
    order = {"order_id": "12345678", "method": "kiosk", "fee_krw": 0}
    placed = plain_turn("inform", slots={**slots, "method": "kiosk", "placed_order": order})
    said = CollectingDispatcher()
    after = await ActionSubmitCertificate().run(said, placed, DOMAIN)
    assert {"event": "followup", "name": "certificate_form", "timestamp": None} in after
    assert slots_of(after)["last_order_id"] == "12345678"
    assert "utter_next_queued_document" in responses_of(said)

    state = {**slots, **slots_of(after)}
    restart = form_turn(
        "certificate_form", before=state, intent="request_certificate", candidates={}
    )
    restart.events.insert(-1, {"event": "action", "name": "action_submit_certificate"})
    restarted = slots_of(
        await ValidateCertificateForm().run(CollectingDispatcher(), restart, DOMAIN)
    )
    assert restarted["document"] == "resident_abstract"
    assert restarted["copies"] == "1"
    assert restarted["requested_slot"] == "order_confirmed"  # confirmed one after the other


async def test_counts_said_per_document_go_with_their_document(backend: str) -> None:
    events = await ValidateCertificateForm().run(
        CollectingDispatcher(), two_documents_turn({}, ["2", "1"]), DOMAIN
    )
    slots = slots_of(events)
    assert slots["copies"] == "2"
    assert slots["queued_documents"] == [{"document": "resident_abstract", "copies": "1"}]


async def test_cancel_right_after_an_order_means_that_order() -> None:
    events = await ActionStopRequest().run(
        CollectingDispatcher(),
        plain_turn("stop", text="취소요", slots={"last_order_id": "12345678"}),
        DOMAIN,
    )
    slots = slots_of(events)
    assert slots["order_id"] == "12345678"
    assert slots["lookup_purpose"] == "cancel"
    assert {"event": "followup", "name": "lookup_form", "timestamp": None} in events


async def test_stop_with_nothing_going_on_says_so() -> None:
    dispatcher = CollectingDispatcher()
    await ActionStopRequest().run(dispatcher, plain_turn("stop", text="그만할래요"), DOMAIN)
    assert responses_of(dispatcher) == ["utter_nothing_in_progress"]


@pytest.mark.parametrize("text", ["몰라요", "기억이 안 나요", "번호를 잊어버렸어요"])
async def test_not_knowing_the_order_number_finds_it_after_identity(
    backend: str, text: str
) -> None:
    _, slots, _ = await validate(
        ValidateLookupForm(),
        "lookup_form",
        before={"lookup_purpose": "status", "requested_slot": "order_id"},
        intent="deny",
        text=text,
        candidates={},
    )
    assert slots["order_id"] == "latest"
    assert slots["requested_slot"] == "person_name"


def outbox(backend: str, phone: str) -> list[dict[str, Any]]:
    return list(httpx.get(f"{backend}/dev/sms-outbox", params={"phone": phone}, timeout=5).json())


async def sent_code_state(backend: str, sender: str, who: dict[str, str]) -> dict[str, Any]:
    before = {**REQUEST, "order_confirmed": True, "requested_slot": "person_name"}
    _, slots, _ = await certificate(before=before, intent="inform", entities=who, sender_id=sender)
    assert slots["requested_slot"] == "otp_code"
    return {**before, **slots}


async def test_sms_not_received_sends_a_new_code_and_says_what_to_check(backend: str) -> None:
    sender = f"conv-nosms-{uuid.uuid4().hex[:6]}"
    who = someone()
    state = await sent_code_state(backend, sender, who)
    sent = len(outbox(backend, who["phone_number"]))
    _, slots, said = await certificate(
        before=state, intent="nlu_fallback", text="문자가 안 와요", candidates={}, sender_id=sender
    )
    assert said == ["utter_code_not_received", "utter_ask_otp_code"]
    assert slots["challenge_id"]
    assert slots["challenge_id"] != state["challenge_id"]
    assert slots["requested_slot"] == "otp_code"
    assert len(outbox(backend, who["phone_number"])) == sent + 1
    # the new code works
    code = latest_code(backend, who["phone_number"])
    _, _, said = await certificate(
        before={**state, **slots}, intent="inform", entities={"otp_code": code}, sender_id=sender
    )
    assert "utter_identity_confirmed" in said


async def test_a_corrected_birth_date_resends_the_code(backend: str) -> None:
    sender = f"conv-fix-{uuid.uuid4().hex[:6]}"
    who = someone()
    right = who["birth_date"]
    wrong = {**who, "birth_date": right[:-2] + ("01" if right[-2:] != "01" else "02")}
    before = {**REQUEST, "order_confirmed": True, "requested_slot": "person_name"}
    _, slots, said = await certificate(
        before=before, intent="inform", entities=wrong, sender_id=sender
    )
    state = {**before, **slots}
    # The backend answers the same whether or not the details matched: a code "was sent".
    assert state["requested_slot"] == "otp_code"
    assert state["challenge_id"]
    sent = len(outbox(backend, who["phone_number"]))
    _, fixed, _ = await certificate(
        before=state,
        intent="inform",
        entities={"birth_date": right},
        text=f"생년월일은 {right}이에요",
        sender_id=sender,
    )
    assert fixed["birth_date"] == right
    assert fixed["challenge_id"]
    assert fixed["challenge_id"] != state["challenge_id"]
    assert len(outbox(backend, who["phone_number"])) == sent + 1  # now it reaches the phone
    code = latest_code(backend, who["phone_number"])
    _, _, said = await certificate(
        before={**state, **fixed}, intent="inform", entities={"otp_code": code}, sender_id=sender
    )
    assert "utter_identity_confirmed" in said


async def test_a_yes_that_repeats_the_way_of_receipt_still_confirms(backend: str) -> None:
    # "네 맞아요 배달해 주세요" may classify as request_delivery, which sets method again.
    _, slots, _ = await certificate(
        before={**REQUEST, "method": "delivery", "requested_slot": "order_confirmed"},
        intent="request_delivery",
        text="네 맞아요 배달해 주세요",
        candidates={"method": "delivery"},
    )
    assert slots["order_confirmed"] is True
