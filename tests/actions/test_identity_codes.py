"""Wrong, locked and expired SMS codes: said plainly, with a way to go on."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions import identity
from actions.backend_client import BackendClient
from actions.certificate_form import ValidateCertificateForm
from actions.settings import ActionSettings
from tests.actions.trackers import DOMAIN, form_turn, latest_code, responses_of, slots_of

JEONG = {"person_name": "정순자", "birth_date": "1941-09-09", "phone_number": "01056789012"}
BEFORE = {
    "document": "resident_copy",
    "copies": "1",
    "method": "kiosk",
    "order_confirmed": True,
    "requested_slot": "person_name",
}


async def run_turn(**kwargs: Any) -> tuple[dict[str, Any], list[str]]:
    dispatcher = CollectingDispatcher()
    events = await ValidateCertificateForm().run(
        dispatcher, form_turn("certificate_form", **kwargs), DOMAIN
    )
    return slots_of(events), responses_of(dispatcher)


async def test_too_many_wrong_codes_lock_and_ask_for_the_phone_again(backend: str) -> None:
    slots, _ = await run_turn(before=BEFORE, intent="inform", entities=JEONG, sender_id="lock")
    state = {**BEFORE, **slots}
    right = latest_code(backend, JEONG["phone_number"])
    wrong = "000000" if right != "000000" else "111111"
    said_all: list[str] = []
    for _ in range(6):
        slots, said = await run_turn(
            before=state, intent="inform", entities={"otp_code": wrong}, sender_id="lock"
        )
        said_all += said
        state = {**state, **slots}
        if "utter_otp_locked" in said:
            break
    assert "utter_otp_locked" in said_all
    assert state["phone_number"] is None
    assert state["requested_slot"] == "phone_number"


def fake_backend(verify_problem: str) -> BackendClient:
    """The backend's wire format for a challenge whose code expired (3 minutes are not waited)."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/verify"):
            body = {"type": "about:blank", "title": "x", "status": 400, "code": verify_problem}
            return httpx.Response(400, json=body)
        payload = json.loads(request.content)
        assert payload["phone"] == JEONG["phone_number"]
        return httpx.Response(
            201,
            json={
                "challenge_id": "c-new",
                "expires_at": "2026-01-01T00:03:00+09:00",
                "masked_phone": "010-****-9012",
            },
        )

    base = ActionSettings.from_env()
    settings = ActionSettings("http://backend.test", "t", 1, 1, 0, base.district_file, 1)
    return BackendClient(settings, transport=httpx.MockTransport(handler))


@pytest.mark.parametrize("problem", ["otp_expired", "challenge_not_found"])
async def test_an_expired_code_sends_a_new_one(
    monkeypatch: pytest.MonkeyPatch, problem: str
) -> None:
    client = fake_backend(problem)
    monkeypatch.setattr(identity, "get_client", lambda: client)
    state = {**BEFORE, **JEONG, "challenge_id": "c-old", "requested_slot": "otp_code"}
    slots, said = await run_turn(before=state, intent="inform", entities={"otp_code": "123456"})
    assert said == ["utter_otp_expired", "utter_ask_otp_code"]
    assert slots["challenge_id"] == "c-new"
    assert slots["requested_slot"] == "otp_code"
