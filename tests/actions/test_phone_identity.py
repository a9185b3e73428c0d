"""Identity on the phone, in the certificate form, against the real backend.

A caller on the voice line ordering a home delivery is asked only the birth date: the number
the call comes from, signed by the voice line (bot/voice/caller_claim.py), stands for the phone
and the SMS code. A number that does not match, a claim on another channel, or any other way of
receipt goes the full way: name, phone, SMS code.
"""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.certificate_form import ValidateCertificateForm
from bot.voice import caller_claim
from tests.actions.trackers import DOMAIN, form_turn, responses_of, slots_of

FORM = "certificate_form"
DEV_SECRET_KEY = "dev-secret-key-change-me"  # the live backend's dev profile key
KIM_PHONE = "01012345678"
# Residents other action tests rarely use, so the per-phone challenge limits stay theirs.
JEONG_PHONE, JEONG_BORN = "01056789012", "1941-09-09"  # 85: home delivery by age
CHOI_PHONE = "01045678901"
DELIVERY = {"document": "resident_copy", "copies": 1, "method": "delivery"}


def voice_turn(
    conversation: str, number: str | None, before: dict[str, Any], **kwargs: Any
) -> Tracker:
    tracker = form_turn(FORM, before, sender_id=conversation, **kwargs)
    if number is not None:
        claim = caller_claim.sign(conversation, number, secret=DEV_SECRET_KEY)
        tracker.latest_message["metadata"] = {"voice": {"caller_claim": claim}}
    return tracker


async def run(tracker: Tracker) -> tuple[dict[str, Any], list[str]]:
    dispatcher = CollectingDispatcher()
    events = await ValidateCertificateForm().run(dispatcher, tracker, DOMAIN)
    return slots_of(events), responses_of(dispatcher)


async def test_a_registered_caller_is_asked_only_the_birth_date(backend: str) -> None:
    conversation = "voice:caller-jeong"
    asked, _ = await run(voice_turn(conversation, JEONG_PHONE, {"requested_slot": "method",
                                                              "document": "resident_copy",
                                                              "copies": 1},
                                    intent="inform", entities={"method": "delivery"}))
    assert asked["requested_slot"] == "birth_date"

    before = {**DELIVERY, "requested_slot": "birth_date"}
    slots, said = await run(voice_turn(conversation, JEONG_PHONE, before, intent="inform",
                                       entities={"birth_date": JEONG_BORN}, text="410909"))
    assert slots.get("identity_token"), slots
    assert slots.get("person_name") == "정순자"
    assert "utter_identity_confirmed" in said
    assert slots.get("requested_slot") not in ("person_name", "phone_number", "otp_code")


async def test_a_wrong_birth_date_goes_on_with_the_full_path(backend: str) -> None:
    conversation = "voice:caller-jeong-wrong"
    before = {**DELIVERY, "requested_slot": "birth_date"}
    slots, said = await run(voice_turn(conversation, JEONG_PHONE, before, intent="inform",
                                       entities={"birth_date": "1941-09-10"}, text="410910"))
    assert not slots.get("identity_token")
    assert slots["requested_slot"] == "person_name", slots
    assert "utter_identity_confirmed" not in said


async def test_an_unknown_or_withheld_number_asks_everything(backend: str) -> None:
    for number in ("01099990000", None):
        conversation = f"voice:caller-{number}"
        before = {**DELIVERY, "requested_slot": "birth_date"}
        slots, _ = await run(voice_turn(conversation, number, before, intent="inform",
                                        entities={"birth_date": JEONG_BORN}, text="410909"))
        assert not slots.get("identity_token")
        assert slots["requested_slot"] == "person_name", (number, slots)


async def test_a_claim_outside_the_voice_line_or_for_a_counter_order_is_ignored(
    backend: str,
) -> None:
    # a REST message carrying a voice claim in its metadata: the name is asked first
    tracker = form_turn(FORM, {"requested_slot": "method", "document": "resident_copy",
                               "copies": 1}, sender_id="rest:sneaky", intent="inform",
                        entities={"method": "delivery"})
    tracker.latest_message["metadata"] = {
        "voice": {"caller_claim": caller_claim.sign("voice:x", KIM_PHONE, secret=DEV_SECRET_KEY)}
    }
    slots, _ = await run(tracker)
    assert slots["requested_slot"] == "person_name"
    # a counter order on the voice line: confirmed in full after the summary
    counter = voice_turn("voice:caller-counter", KIM_PHONE,
                         {"requested_slot": "method", "document": "resident_copy", "copies": 1},
                         intent="inform", entities={"method": "counter"})
    slots, _ = await run(counter)
    assert slots["requested_slot"] == "order_confirmed"
    confirmed = voice_turn("voice:caller-counter", KIM_PHONE,
                           {"requested_slot": "order_confirmed", "document": "resident_copy",
                            "copies": 1, "method": "counter"}, intent="affirm",
                           candidates={"order_confirmed": True})
    slots, _ = await run(confirmed)
    assert slots["requested_slot"] == "person_name"


async def test_a_caller_id_token_does_not_cover_another_request(backend: str) -> None:
    """After a delivery confirmed by caller ID, a counter order in the same call goes through
    the SMS code: the summary comes first, then name, birth date, phone and code."""
    conversation = "voice:caller-later-counter"
    before = {**DELIVERY, "requested_slot": "birth_date"}
    # 최동훈 (registered disability): his own phone, so other tests' limits on Kim's are not his
    slots, _ = await run(voice_turn(conversation, CHOI_PHONE, before, intent="inform",
                                    entities={"birth_date": "1985-01-20"}, text="850120"))
    token, expires = slots["identity_token"], slots["identity_expires_at"]
    assert token.startswith("caller:")
    kept = {"identity_token": token, "identity_expires_at": expires,
            "document": "resident_copy", "copies": 1, "method": "counter",
            "requested_slot": "order_confirmed"}
    slots, said = await run(voice_turn(conversation, CHOI_PHONE, kept, intent="affirm",
                                       candidates={"order_confirmed": True}))
    assert slots["requested_slot"] == "person_name", slots
    assert not slots.get("placed_order_id")
